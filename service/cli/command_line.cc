#include "service/cli/command_line.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/address.h"

namespace pp::cli {

std::string VersionText() {
  // The renderer identity of the default fonts folder: everything besides
  // the request that decides a PDF's bytes (renderers/identity.h).
  absl::StatusOr<pp::RendererIdentity> identity =
      pp::RendererIdentityForFontsDir(pp::text::DefaultFontsDir());
  if (!identity.ok()) {
    return absl::StrCat("panelpaper ", pp::kRendererVersion, "\nrenderer identity unknown: ",
                        identity.status().message());
  }
  return absl::StrCat("panelpaper ", pp::kRendererVersion, "\n", identity->ToString());
}

CommandSet::CommandSet()
    : app_(std::make_unique<CLI::App>(
          "panelpaper: structured panel-paper requests to PDF, locally or on a panelpaperd.",
          "panelpaper")) {
  app_->set_version_flag("--version", std::function<std::string()>(VersionText),
                         "print the version and the renderer identity, and exit");
  app_->require_subcommand(0, 1);
  app_->footer(
      "Run 'panelpaper COMMAND --help' (or 'panelpaper help COMMAND') for a command's flags.\n"
      "Exit status: 0 ok, 1 request rejected, 2 usage, 3 I/O, rendering or server failure,\n"
      "4 archive copy damaged.");
  CLI::App* help = app_->add_subcommand("help", "show help for the program or one COMMAND");
  help->add_option("COMMAND", help_topic_, "the command");
  entries_.push_back({help, [this] { return Help(help_topic_); }, nullptr, ""});
}

CLI::App* CommandSet::Add(const std::string& name, const std::string& summary,
                          std::function<int()> run) {
  CLI::App* c = app_->add_subcommand(name, summary);
  entries_.push_back({c, std::move(run), nullptr, ""});
  return c;
}

void CommandSet::AddRaw(const std::string& name, const std::string& summary,
                        const std::string& usage,
                        std::function<int(const std::vector<std::string>&)> run) {
  CLI::App* c = app_->add_subcommand(name, summary);
  c->prefix_command();  // every word after NAME is the command's own
  c->set_help_flag();   // --help too
  entries_.push_back({c, nullptr, std::move(run), usage});
}

int CommandSet::Help(const std::string& command) {
  // (App::help() would show the help command's own help: it is the one parsed.)
  if (command.empty()) {
    std::cout << app_->get_formatter()->make_help(app_.get(), "panelpaper", CLI::AppFormatMode::Normal);
    return kExitOk;
  }
  for (const Entry& e : entries_) {
    if (e.command->get_name() != command) continue;
    if (e.raw) {
      std::cout << e.raw_usage;
    } else {
      std::cout << e.command->get_formatter()->make_help(
          e.command, "panelpaper " + command, CLI::AppFormatMode::Normal);
    }
    return kExitOk;
  }
  std::cerr << "panelpaper help: no command '" << command << "'\n\n" << app_->help();
  return kExitUsage;
}

int CommandSet::Run(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app_->exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app_->exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app_->exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where = "panelpaper";
    // The deepest command parsed ("panelpaper store check"), for the hint.
    for (const CLI::App* app = app_.get(); !app->get_subcommands().empty();) {
      app = app->get_subcommands().front();
      where = absl::StrCat(where, " ", app->get_name());
    }
    std::cerr << where << ": " << e.what() << "\n"
              << "Run '" << where << " --help' for usage.\n";
    return kExitUsage;
  }
  for (const Entry& e : entries_) {
    if (!e.command->parsed()) continue;
    if (e.raw) return e.raw(e.command->remaining());
    return e.run();
  }
  std::cerr << app_->get_formatter()->make_help(app_.get(), "panelpaper", CLI::AppFormatMode::Normal);
  return kExitUsage;
}

RemoteOptions ServerFlags::Options() const {
  RemoteOptions o = remote;
  o.timeout = absl::Seconds(timeout_seconds);
  return o;
}

void AddServerFlags(CLI::App* command, ServerFlags* flags, bool required) {
  const CLI::Validator address(
      [](std::string& value) -> std::string {
        const absl::Status s = pp::service::CheckAddress(value, pp::service::AddressUse::kConnect);
        return s.ok() ? "" : std::string(s.message());
      },
      "");
  CLI::Option* server =
      command->add_option("--server", flags->remote.server,
                          required ? "the panelpaperd to call"
                                   : "render on a running panelpaperd instead (StreamPaper)")
          ->type_name("HOST:PORT")
          ->check(address);
  if (required) server->required();
  CLI::App* c = command;
  auto tls_option = [&](CLI::Option* o) {
    if (!required) o->needs(server);
    return o;
  };
  tls_option(c->add_flag("--tls", flags->remote.tls,
                         "use TLS, trusting the system's root certificates"));
  tls_option(c->add_option("--tls_ca", flags->remote.tls_ca,
                           "use TLS, trusting the CA certificate(s) in this PEM file")
                 ->type_name("FILE"));
  CLI::Option* cert = tls_option(
      c->add_option("--tls_cert", flags->remote.tls_cert,
                    "client certificate (PEM) for a server that requires mTLS")
          ->type_name("FILE"));
  CLI::Option* key = tls_option(c->add_option("--tls_key", flags->remote.tls_key,
                                              "the client certificate's private key (PEM)")
                                    ->type_name("FILE"));
  cert->needs(key);
  key->needs(cert);
  tls_option(c->add_option("--tls_server_name", flags->remote.tls_server_name,
                           "name expected in the server certificate (default: HOST)")
                 ->type_name("NAME"));
  tls_option(c->add_option("--timeout", flags->timeout_seconds, "deadline of the call")
                 ->type_name("SECONDS")
                 ->check(CLI::PositiveNumber)
                 ->capture_default_str());
}

}  // namespace pp::cli
