#pragma once
// `mcpgate policy explain` and `mcpgate policy test`: the policy of a configuration, asked
// offline, so that operators can see and pin down what their rules decide.
#include <CLI/CLI.hpp>

void add_policy_commands(CLI::App& app, int& exit_code);
