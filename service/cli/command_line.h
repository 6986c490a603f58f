// File: service/cli/command_line.h
//
// The panelpaper program's one argument parser (CLI11) and what its commands
// share: exit statuses, --version, and the flags of commands that call a
// server. Each command is a CLI11 subcommand registered on a CommandSet:
//
//   void AddHealthCommand(CommandSet& commands) {
//     auto args = std::make_shared<HealthArgs>();
//     CLI::App* c = commands.Add("health", "ask a server whether it is serving",
//                                [args] { return Health(*args); });
//     AddServerFlags(c, &args->server, /*required=*/true);
//   }
//
// and one line in cli_main.cc's main() (AddHealthCommand(commands)). A command
// that parses its own arguments (int F(const std::vector<std::string>&))
// is registered with AddRaw: it receives every word after its name,
// --help included.
//
// `panelpaper help [COMMAND]`, `panelpaper COMMAND --help` and
// `panelpaper --version` come with every CommandSet.
#ifndef PANELPAPER_SERVICE_CLI_COMMAND_LINE_H_
#define PANELPAPER_SERVICE_CLI_COMMAND_LINE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "service/cli/remote_client.h"

namespace pp::cli {

using pp::service::RemoteOptions;

// Exit statuses of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;  // the request was refused (syntax, validation, limits, ...)
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitFailure = 3;   // I/O, rendering or server failure
inline constexpr int kExitDamaged = 4;   // an archive copy is damaged / verify mismatch

// What `panelpaper --version` prints (without the newline). The one place
// that names the version.
std::string VersionText();

class CommandSet {
 public:
  CommandSet();

  // A subcommand whose flags the caller adds to the returned App; `run`
  // is called (and its value is the exit status) after a successful parse.
  CLI::App* Add(const std::string& name, const std::string& summary, std::function<int()> run);

  // A subcommand that parses its own arguments: `run` gets every word after
  // the command's name. `usage` is shown by `panelpaper help NAME`.
  void AddRaw(const std::string& name, const std::string& summary, const std::string& usage,
              std::function<int(const std::vector<std::string>&)> run);

  // Parses and runs; returns the exit status.
  int Run(int argc, char** argv);

  CLI::App& app() { return *app_; }

 private:
  struct Entry {
    CLI::App* command;
    std::function<int()> run;
    std::function<int(const std::vector<std::string>&)> raw;
    std::string raw_usage;
  };
  int Help(const std::string& command);

  std::unique_ptr<CLI::App> app_;
  std::vector<Entry> entries_;
  std::string help_topic_;
};

// The flags of a command that calls a panelpaperd: --server HOST:PORT
// (checked: port 1-65535), --tls, --tls_ca, --tls_cert/--tls_key
// (together), --tls_server_name, --timeout SECONDS. Without `required`
// the TLS flags and --timeout need --server.
struct ServerFlags {
  RemoteOptions remote;  // remote.timeout is set by Options()
  double timeout_seconds = 60;
  // The options with the timeout applied.
  RemoteOptions Options() const;
};
void AddServerFlags(CLI::App* command, ServerFlags* flags, bool required);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_COMMAND_LINE_H_
