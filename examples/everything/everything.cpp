#include "everything.hpp"

#include <atomic>
#include <boost/json.hpp>

namespace mcpgate::examples {

namespace {

// 1×1 PNG and a 44-byte silent WAV: the suites check base64 validity and the MIME type only.
constexpr std::string_view kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
constexpr std::string_view kWav = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

json::object image_content() {
  return {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}};
}

json::object content_result(json::array content) {
  return {{"content", std::move(content)}};
}

json::object no_args_schema() {
  return {{"type", "object"}, {"properties", json::object{}}};
}

json::object string_args_schema(std::initializer_list<std::pair<std::string_view, std::string_view>> props) {
  json::object properties;
  json::array required;
  for (auto& [name, description] : props) {
    properties[name] = json::object{{"type", "string"}, {"description", description}};
    required.emplace_back(name);
  }
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
}

std::string arg_string(const json::object& args, std::string_view key) {
  auto* v = args.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The answer to one input request, when the client gave it.
const json::object* answer(const RequestContext& ctx, std::string_view key) {
  auto* in = ctx.input_responses();
  if (!in) return nullptr;
  auto* v = in->if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// An accepted elicitation's content, or null.
const json::object* accepted(const json::object* response) {
  if (!response) return nullptr;
  auto* action = response->if_contains("action");
  auto* content = response->if_contains("content");
  if (!action || *action != "accept" || !content || !content->is_object()) return nullptr;
  return &content->get_object();
}

std::string sampled_text(const json::object* response) {
  if (!response) return {};
  auto* content = response->if_contains("content");
  if (content && content->is_object())
    if (auto* t = content->get_object().if_contains("text"); t && t->is_string()) return std::string(t->get_string());
  return {};
}

json::object object_schema(json::object properties, std::initializer_list<std::string_view> required) {
  json::array req;
  for (auto r : required) req.emplace_back(r);
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(req)}};
}

Tool tool(std::string name, std::string description, json::object schema, ToolHandler handler) {
  Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = std::move(schema);
  t.handler = std::move(handler);
  return t;
}

InputRequired ask(std::string_view key, json::object request, std::optional<json::value> state = std::nullopt) {
  InputRequired ir;
  ir.input_requests[key] = std::move(request);
  ir.state = std::move(state);
  return ir;
}

void register_content_tools(McpServer& s) {
  s.add_tool(tool("test_simple_text", "Tests simple text content response", no_args_schema(),
                  sync_handler([](const json::object&, RequestContext&) -> Reply {
                    return tool_text_result("This is a simple text response for testing.");
                  })));
  s.add_tool(tool(
      "test_image_content", "Tests image content response", no_args_schema(),
      sync_handler([](const json::object&, RequestContext&) -> Reply { return content_result({image_content()}); })));
  s.add_tool(tool("test_audio_content", "Tests audio content response", no_args_schema(),
                  sync_handler([](const json::object&, RequestContext&) -> Reply {
                    return content_result({json::object{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
                  })));
  s.add_tool(tool("test_embedded_resource", "Tests embedded resource content response", no_args_schema(),
                  sync_handler([](const json::object&, RequestContext&) -> Reply {
                    json::object resource{{"uri", "test://embedded-resource"},
                                          {"mimeType", "text/plain"},
                                          {"text", "This is an embedded resource content."}};
                    return content_result({json::object{{"type", "resource"}, {"resource", std::move(resource)}}});
                  })));
  s.add_tool(tool("test_multiple_content_types", "Tests response with multiple content types (text, image, resource)",
                  no_args_schema(), sync_handler([](const json::object&, RequestContext&) -> Reply {
                    json::object resource{{"uri", "test://mixed-content-resource"},
                                          {"mimeType", "application/json"},
                                          {"text", R"({"test":"data","value":123})"}};
                    return content_result({text_content("Multiple content types test:"), image_content(),
                                           json::object{{"type", "resource"}, {"resource", std::move(resource)}}});
                  })));
  s.add_tool(tool("test_error_handling", "Tests error response handling", no_args_schema(),
                  sync_handler([](const json::object&, RequestContext&) -> Reply {
                    return tool_text_result("This tool intentionally returns an error for testing", true);
                  })));
  s.add_tool(tool("test_reconnection", "Tests SSE stream reconnection (SEP-1699)", no_args_schema(),
                  sync_handler([](const json::object&, RequestContext&) -> Reply {
                    return tool_text_result("Reconnection test completed");
                  })));

  Tool headers = tool("test_custom_headers", "Echoes a parameter that is mirrored into the Mcp-Param-Region header", {},
                      sync_handler([](const json::object& args, RequestContext&) -> Reply {
                        return tool_text_result("region=" + arg_string(args, "region"));
                      }));
  headers.input_schema = object_schema(
      {{"region", json::object{{"type", "string"}, {"description", "Deployment region"}, {"x-mcp-header", "Region"}}}},
      {"region"});
  s.add_tool(std::move(headers));

  Tool schema_tool = tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", {},
                          sync_handler([](const json::object& args, RequestContext&) -> Reply {
                            return tool_text_result("JSON Schema 2020-12 tool called with: " + json::serialize(args));
                          }));
  schema_tool.input_schema = json::parse(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
   "$defs":{"address":{"$anchor":"addressDef","type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
   "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"},"contactMethod":{"type":"string","enum":["phone","email"]},"phone":{"type":"string"},"email":{"type":"string"}},
   "allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],
   "if":{"properties":{"contactMethod":{"const":"phone"}},"required":["contactMethod"]},
   "then":{"required":["phone"]},"else":{"required":["email"]},
   "additionalProperties":false})")
                                 .as_object();
  s.add_tool(std::move(schema_tool));
}

// Tools that send notifications while they run, or wait.
void register_streaming_tools(McpServer& s) {
  s.add_tool(tool("test_tool_with_logging", "Tests tool that emits log messages during execution", no_args_schema(),
                  [](const json::object&, RequestContext& ctx) -> Task<Reply> {
                    json::value started = "Tool execution started", processing = "Tool processing data",
                                completed = "Tool execution completed";
                    co_await ctx.log(LogLevel::info, std::move(started));
                    co_await ctx.sleep(std::chrono::milliseconds(50));
                    co_await ctx.log(LogLevel::info, std::move(processing));
                    co_await ctx.sleep(std::chrono::milliseconds(50));
                    co_await ctx.log(LogLevel::info, std::move(completed));
                    co_return tool_text_result("Tool with logging executed successfully");
                  }));
  s.add_tool(tool("test_tool_with_progress", "Tests tool that reports progress notifications", no_args_schema(),
                  [](const json::object&, RequestContext& ctx) -> Task<Reply> {
                    const double total = 100;
                    co_await ctx.progress(0, total);
                    co_await ctx.sleep(std::chrono::milliseconds(50));
                    co_await ctx.progress(50, total);
                    co_await ctx.sleep(std::chrono::milliseconds(50));
                    co_await ctx.progress(100, total);
                    co_return tool_text_result("Progress test completed");
                  }));
  s.add_tool(tool("test_logging_tool", "Emits log messages at the level the request asks for", no_args_schema(),
                  [](const json::object&, RequestContext& ctx) -> Task<Reply> {
                    json::value info = "Logging tool: info message", debug = "Logging tool: debug message";
                    co_await ctx.log(LogLevel::debug, std::move(debug));
                    co_await ctx.log(LogLevel::info, std::move(info));
                    co_return tool_text_result("Logging tool completed");
                  }));
}

// Tools that need input from the client. They are written once in the input-required style;
// for legacy clients the library turns each input request into a server→client request.
void register_input_tools(McpServer& s) {
  s.add_tool(tool("test_sampling", "Tests server-initiated sampling (LLM completion request)",
                  string_args_schema({{"prompt", "The prompt to send to the LLM"}}),
                  sync_handler([](const json::object& args, RequestContext& ctx) -> Reply {
                    if (auto* r = answer(ctx, "completion"))
                      return tool_text_result("LLM response: " + sampled_text(r));
                    return ask("completion", sampling_input(arg_string(args, "prompt"), 100));
                  })));
  s.add_tool(tool("test_elicitation", "Tests server-initiated elicitation (user input request)",
                  string_args_schema({{"message", "The message to show the user"}}),
                  sync_handler([](const json::object& args, RequestContext& ctx) -> Reply {
                    if (auto* r = answer(ctx, "user_info")) {
                      auto* action = r->if_contains("action");
                      auto* content = r->if_contains("content");
                      return tool_text_result("User response: <action: " + (action ? json::serialize(*action) : "?") +
                                              ", content: " + (content ? json::serialize(*content) : "{}") + ">");
                    }
                    auto schema = object_schema(
                        {{"username", json::object{{"type", "string"}, {"description", "User's response"}}},
                         {"email", json::object{{"type", "string"}, {"description", "User's email address"}}}},
                        {"username", "email"});
                    return ask("user_info", elicitation_input(arg_string(args, "message"), std::move(schema)));
                  })));
  s.add_tool(tool(
      "test_elicitation_sep1034_defaults", "Tests elicitation with default values (SEP-1034)", no_args_schema(),
      sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
        if (auto* r = answer(ctx, "form"))
          return tool_text_result(
              "Elicitation completed: action=" + json::serialize(r->contains("action") ? r->at("action") : nullptr) +
              ", content=" + json::serialize(r->contains("content") ? r->at("content") : nullptr));
        json::object props{
            {"name", json::object{{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
            {"age", json::object{{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
            {"score", json::object{{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
            {"status", json::object{{"type", "string"},
                                    {"description", "User status"},
                                    {"enum", json::array{"active", "inactive", "pending"}},
                                    {"default", "active"}}},
            {"verified", json::object{{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}};
        return ask("form", elicitation_input("Please review and update the form fields with defaults",
                                             object_schema(std::move(props), {})));
      })));
  s.add_tool(tool(
      "test_elicitation_sep1330_enums", "Tests elicitation with enum schema improvements (SEP-1330)", no_args_schema(),
      sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
        if (auto* r = answer(ctx, "choices")) return tool_text_result("Elicitation completed: " + json::serialize(*r));
        auto titled = [](std::initializer_list<std::pair<std::string_view, std::string_view>> items) {
          json::array a;
          for (auto& [c, t] : items) a.push_back(json::object{{"const", c}, {"title", t}});
          return a;
        };
        json::object props{
            {"untitledSingle", json::object{{"type", "string"},
                                            {"description", "Select one option"},
                                            {"enum", json::array{"option1", "option2", "option3"}}}},
            {"titledSingle",
             json::object{
                 {"type", "string"},
                 {"description", "Select one option with titles"},
                 {"oneOf",
                  titled({{"value1", "First Option"}, {"value2", "Second Option"}, {"value3", "Third Option"}})}}},
            {"legacyEnum", json::object{{"type", "string"},
                                        {"description", "Select one option (legacy)"},
                                        {"enum", json::array{"opt1", "opt2", "opt3"}},
                                        {"enumNames", json::array{"Option One", "Option Two", "Option Three"}}}},
            {"untitledMulti",
             json::object{
                 {"type", "array"},
                 {"description", "Select multiple options"},
                 {"items", json::object{{"type", "string"}, {"enum", json::array{"option1", "option2", "option3"}}}}}},
            {"titledMulti", json::object{{"type", "array"},
                                         {"description", "Select multiple options with titles"},
                                         {"items", json::object{{"anyOf", titled({{"value1", "First Choice"},
                                                                                  {"value2", "Second Choice"},
                                                                                  {"value3", "Third Choice"}})}}}}}};
        return ask("choices", elicitation_input("Please select options from the enum fields",
                                                object_schema(std::move(props), {})));
      })));

  Tool missing = tool("test_missing_capability", "Requires the client's sampling capability", no_args_schema(),
                      sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                        if (auto* r = answer(ctx, "completion")) return tool_text_result("Sampled: " + sampled_text(r));
                        return ask("completion", sampling_input("Say hello", 20));
                      }));
  missing.required_client_capabilities = json::object{{"sampling", json::object{}}};
  s.add_tool(std::move(missing));

  s.add_tool(tool("test_streaming_elicitation", "Asks for input with an input-required result, never a request",
                  no_args_schema(), sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    if (auto* c = accepted(answer(ctx, "user_name")))
                      return tool_text_result("Hello, " + json::serialize(*c) + "!");
                    return ask("user_name", elicitation_input(
                                                "What is your name?",
                                                object_schema({{"name", json::object{{"type", "string"}}}}, {"name"})));
                  })));

  // --- SEP-2322 input-required results ---
  auto name_request = [] {
    return elicitation_input("What is your name?",
                             object_schema({{"name", json::object{{"type", "string"}}}}, {"name"}));
  };
  s.add_tool(tool("test_input_required_result_elicitation", "Asks for the user's name (input-required result)",
                  no_args_schema(), sync_handler([name_request](const json::object&, RequestContext& ctx) -> Reply {
                    if (auto* c = accepted(answer(ctx, "user_name")))
                      if (auto* n = c->if_contains("name"); n && n->is_string())
                        return tool_text_result("Hello, " + std::string(n->get_string()) + "!");
                    // Missing or unusable answer: ask again rather than guess.
                    return ask("user_name", name_request());
                  })));
  s.add_tool(tool("test_input_required_result_sampling", "Asks the client's model a question (input-required result)",
                  no_args_schema(), sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    if (auto* r = answer(ctx, "capital_question"); r && r->contains("content"))
                      return tool_text_result("The model answered: " + sampled_text(r));
                    return ask("capital_question", sampling_input("What is the capital of France?", 100));
                  })));
  s.add_tool(tool("test_input_required_result_list_roots", "Asks for the client's roots (input-required result)",
                  no_args_schema(), sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    if (auto* r = answer(ctx, "client_roots"); r && r->contains("roots"))
                      return tool_text_result("Client roots: " + json::serialize(r->at("roots")));
                    return ask("client_roots", roots_input());
                  })));
  s.add_tool(tool("test_input_required_result_request_state", "Round-trips requestState across an input request",
                  no_args_schema(), sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    auto* st = ctx.state();
                    if (st && st->is_object() && st->get_object().contains("awaiting_confirm"))
                      if (auto* c = accepted(answer(ctx, "confirm")))
                        return tool_text_result("state-ok: confirmed=" +
                                                json::serialize(c->contains("ok") ? c->at("ok") : nullptr));
                    return ask("confirm",
                               elicitation_input("Please confirm",
                                                 object_schema({{"ok", json::object{{"type", "boolean"}}}}, {"ok"})),
                               json::object{{"awaiting_confirm", true}});
                  })));
  s.add_tool(tool("test_input_required_result_multiple_inputs", "Asks for several inputs at once", no_args_schema(),
                  sync_handler([name_request](const json::object&, RequestContext& ctx) -> Reply {
                    auto* name = accepted(answer(ctx, "user_name"));
                    auto* greeting = answer(ctx, "greeting");
                    auto* roots = answer(ctx, "client_roots");
                    if (ctx.state() && name && greeting && roots)
                      return tool_text_result("Got all inputs: name=" +
                                              json::serialize(name->contains("name") ? name->at("name") : nullptr) +
                                              ", greeting=" + sampled_text(greeting) + ", roots=" +
                                              json::serialize(roots->contains("roots") ? roots->at("roots") : nullptr));
                    InputRequired ir;
                    ir.input_requests["user_name"] = name_request();
                    ir.input_requests["greeting"] = sampling_input("Generate a greeting", 50);
                    ir.input_requests["client_roots"] = roots_input();
                    ir.state = json::object{{"round", 1}};
                    return ir;
                  })));
  s.add_tool(tool("test_input_required_result_multi_round", "Asks for input over two rounds", no_args_schema(),
                  sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    auto* st = ctx.state();
                    std::int64_t round = 0;
                    if (st && st->is_object())
                      if (auto* r = st->get_object().if_contains("round"); r && r->is_int64()) round = r->get_int64();
                    if (round == 2)
                      if (auto* c = accepted(answer(ctx, "step2")); c && c->contains("color"))
                        return tool_text_result("Hello " + json::serialize(st->at("name")) + ", favourite color " +
                                                json::serialize(c->at("color")));
                    if (round >= 1)
                      if (auto* c = accepted(answer(ctx, "step1")); c && c->contains("name"))
                        return ask(
                            "step2",
                            elicitation_input("Step 2: What is your favorite color?",
                                              object_schema({{"color", json::object{{"type", "string"}}}}, {"color"})),
                            json::object{{"round", 2}, {"name", c->at("name")}});
                    return ask("step1",
                               elicitation_input("Step 1: What is your name?",
                                                 object_schema({{"name", json::object{{"type", "string"}}}}, {"name"})),
                               json::object{{"round", 1}});
                  })));
  s.add_tool(tool("test_input_required_result_tampered_state", "Rejects a requestState the client altered",
                  no_args_schema(), sync_handler([](const json::object&, RequestContext& ctx) -> Reply {
                    // The library already refused a state that fails verification; one that
                    // opens is ours.
                    if (ctx.state() && accepted(answer(ctx, "confirm"))) return tool_text_result("state verified");
                    return ask("confirm",
                               elicitation_input("Please confirm",
                                                 object_schema({{"ok", json::object{{"type", "boolean"}}}}, {"ok"})),
                               json::object{{"issued", "tampered-state-test"}});
                  })));
  s.add_tool(tool("test_input_required_result_capabilities", "Asks only for what the client declared it supports",
                  no_args_schema(), sync_handler([name_request](const json::object&, RequestContext& ctx) -> Reply {
                    if (auto* in = ctx.input_responses(); in && !in->empty())
                      return tool_text_result("Received " + std::to_string(in->size()) + " input response(s)");
                    InputRequired ir;
                    if (ctx.client_supports("sampling"))
                      ir.input_requests["question"] = sampling_input("Say hello", 20);
                    if (ctx.client_supports("elicitation")) ir.input_requests["user_name"] = name_request();
                    if (ctx.client_supports("roots")) ir.input_requests["client_roots"] = roots_input();
                    if (ir.input_requests.empty()) return tool_text_result("The client declared no input capabilities");
                    return ir;
                  })));
}

// Tools that change the lists, so that clients see list_changed notifications.
void register_change_tools(McpServer& s) {
  s.add_tool(tool("test_trigger_tool_change", "Adds or removes a dynamic tool (tools/list_changed)", no_args_schema(),
                  sync_handler([&s](const json::object&, RequestContext&) -> Reply {
                    if (s.remove_tool("test_dynamic_tool")) return tool_text_result("Removed test_dynamic_tool");
                    s.add_tool(tool("test_dynamic_tool", "A tool that comes and goes", no_args_schema(),
                                    sync_handler([](const json::object&, RequestContext&) -> Reply {
                                      return tool_text_result("dynamic");
                                    })));
                    return tool_text_result("Added test_dynamic_tool");
                  })));
  s.add_tool(
      tool("test_trigger_prompt_change", "Adds or removes a dynamic prompt (prompts/list_changed)", no_args_schema(),
           sync_handler([&s](const json::object&, RequestContext&) -> Reply {
             if (s.remove_prompt("test_dynamic_prompt")) return tool_text_result("Removed test_dynamic_prompt");
             Prompt p;
             p.name = "test_dynamic_prompt";
             p.description = "A prompt that comes and goes";
             p.handler = [](const json::object&, RequestContext&) -> Task<Reply> {
               co_return json::object{
                   {"messages", json::array{json::object{{"role", "user"}, {"content", text_content("dynamic")}}}}};
             };
             s.add_prompt(std::move(p));
             return tool_text_result("Added test_dynamic_prompt");
           })));
}

ResourceHandler fixed_contents(json::object item) {
  return [item = std::move(item)](const ResourceRead&, RequestContext&) -> Task<Reply> {
    co_return json::object{{"contents", json::array{item}}};
  };
}

void register_resources(McpServer& s) {
  s.add_resource(Resource{"test://static-text", "Static Text Resource", "", "A static text resource for testing",
                          "text/plain",
                          fixed_contents({{"uri", "test://static-text"},
                                          {"mimeType", "text/plain"},
                                          {"text", "This is the content of the static text resource."}})});
  s.add_resource(Resource{
      "test://static-binary", "Static Binary Resource", "", "A static binary resource (image) for testing", "image/png",
      fixed_contents({{"uri", "test://static-binary"}, {"mimeType", "image/png"}, {"blob", kPng}})});
  s.add_resource(Resource{
      "test://watched-resource", "Watched Resource", "", "A resource that can be subscribed to", "text/plain",
      fixed_contents(
          {{"uri", "test://watched-resource"}, {"mimeType", "text/plain"}, {"text", "Watched resource content"}})});
  s.add_resource_template(ResourceTemplate{
      "test://template/{id}/data", "Template Resource", "", "A resource template with parameter substitution",
      "application/json", [](const ResourceRead& read, RequestContext&) -> Task<Reply> {
        auto& id = read.variables.at("id");
        json::object data{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
        json::object item{{"uri", read.uri}, {"mimeType", "application/json"}, {"text", json::serialize(data)}};
        co_return json::object{{"contents", json::array{std::move(item)}}};
      }});
}

Reply messages(json::array m) {
  return json::object{{"messages", std::move(m)}};
}
json::object user(json::object content) {
  return {{"role", "user"}, {"content", std::move(content)}};
}

PromptHandler sync_prompt(std::function<Reply(const json::object&, RequestContext&)> fn) {
  return
      [fn = std::move(fn)](const json::object& args, RequestContext& ctx) -> Task<Reply> { co_return fn(args, ctx); };
}

void register_prompts(McpServer& s) {
  s.add_prompt(Prompt{"test_simple_prompt",
                      "",
                      "A simple prompt without arguments",
                      {},
                      sync_prompt([](const json::object&, RequestContext&) {
                        return messages({user(text_content("This is a simple prompt for testing."))});
                      })});
  s.add_prompt(Prompt{"test_prompt_with_arguments",
                      "",
                      "A prompt with required arguments",
                      {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}},
                      sync_prompt([](const json::object& args, RequestContext&) {
                        return messages({user(text_content("Prompt with arguments: arg1='" + arg_string(args, "arg1") +
                                                           "', arg2='" + arg_string(args, "arg2") + "'"))});
                      })});
  s.add_prompt(Prompt{"test_prompt_with_embedded_resource",
                      "",
                      "A prompt that includes an embedded resource",
                      {{"resourceUri", "URI of the resource to embed", true}},
                      sync_prompt([](const json::object& args, RequestContext&) {
                        json::object resource{{"uri", arg_string(args, "resourceUri")},
                                              {"mimeType", "text/plain"},
                                              {"text", "Embedded resource content for testing."}};
                        return messages({user(json::object{{"type", "resource"}, {"resource", std::move(resource)}}),
                                         user(text_content("Please process the embedded resource above."))});
                      })});
  s.add_prompt(Prompt{"test_prompt_with_image",
                      "",
                      "A prompt that includes an image",
                      {},
                      sync_prompt([](const json::object&, RequestContext&) {
                        return messages({user(image_content()), user(text_content("Please analyze the image above."))});
                      })});
  s.add_prompt(Prompt{
      "test_input_required_result_prompt",
      "",
      "A prompt that asks for context first (input-required result)",
      {},
      sync_prompt([](const json::object&, RequestContext& ctx) -> Reply {
        if (auto* c = accepted(answer(ctx, "user_context")); c && c->contains("context"))
          return messages({user(text_content("Use this context: " + json::serialize(c->at("context"))))});
        return ask("user_context",
                   elicitation_input("What context should the prompt use?",
                                     object_schema({{"context", json::object{{"type", "string"}}}}, {"context"})));
      })});
  s.set_completion_handler([](const CompletionRequest& req, RequestContext&) -> Task<Completion> {
    Completion c;
    if (req.ref_type == "ref/prompt" && req.ref == "test_prompt_with_arguments") {
      for (std::string_view v : {"testValue1", "testValue2", "paris", "park"})
        if (v.starts_with(req.value)) c.values.emplace_back(v);
    }
    c.total = static_cast<std::int64_t>(c.values.size());
    co_return c;
  });
}

}  // namespace

void register_everything(McpServer& server) {
  register_content_tools(server);
  register_streaming_tools(server);
  register_input_tools(server);
  register_change_tools(server);
  register_task_tools(server);
  register_resources(server);
  register_prompts(server);
}

}  // namespace mcpgate::examples
