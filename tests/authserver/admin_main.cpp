// authserver_admin: the admin subcommands alone (the same code `mcpgate users|clients|keys` runs),
// so they can be tested without the whole application.
#include <CLI/CLI.hpp>

#include "app/admin_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"authorization server administration"};
  app.require_subcommand(1);
  int code = 0;
  mcpgate::app::add_admin_commands(app, code);
  CLI11_PARSE(app, argc, argv);
  return code;
}
