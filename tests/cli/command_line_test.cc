// The panelpaper program's one argument parser: help, --version, exit
// statuses, server flags, and commands with their own parser.
#include "service/cli/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pp::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::internal::CaptureStderr;
using ::testing::internal::CaptureStdout;
using ::testing::internal::GetCapturedStderr;
using ::testing::internal::GetCapturedStdout;

struct Outcome {
  int exit;
  std::string out, err;
};

// A CommandSet with a "demo" command (server flags, one input) and a raw
// "store" command; runs `args` through it.
class CommandLineTest : public ::testing::Test {
 protected:
  Outcome Run(std::vector<std::string> args) {
    CommandSet commands;
    CLI::App* demo = commands.Add("demo", "a demo command", [this] {
      ran_demo_ = true;
      return 7;
    });
    demo->add_option("INPUT", input_, "the input")->required();
    AddServerFlags(demo, &server_, /*required=*/false);
    commands.AddRaw("store", "a command with its own parser", "usage: panelpaper store ...\n",
                    [this](const std::vector<std::string>& a) {
                      raw_args_ = a;
                      return 5;
                    });
    args.insert(args.begin(), "panelpaper");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    CaptureStdout();
    CaptureStderr();
    const int exit = commands.Run(static_cast<int>(argv.size()), argv.data());
    Outcome o{exit, GetCapturedStdout(), GetCapturedStderr()};
    return o;
  }
  bool ran_demo_ = false;
  std::string input_;
  ServerFlags server_;
  std::vector<std::string> raw_args_;
};

TEST_F(CommandLineTest, HelpListsEveryCommand) {
  for (const auto& args : {std::vector<std::string>{"help"}, {"--help"}, {"-h"}}) {
    const Outcome o = Run(args);
    EXPECT_EQ(o.exit, 0);
    EXPECT_THAT(o.out, HasSubstr("Usage: panelpaper"));
    EXPECT_THAT(o.out, HasSubstr("demo"));
    EXPECT_THAT(o.out, HasSubstr("store"));
    EXPECT_THAT(o.out, HasSubstr("Exit status"));
  }
  const Outcome none = Run({});
  EXPECT_EQ(none.exit, kExitUsage);
  EXPECT_THAT(none.err, HasSubstr("Usage: panelpaper"));
}

// `panelpaper render --help` used to be "unknown option".
TEST_F(CommandLineTest, EveryCommandHasHelp) {
  for (const auto& args : {std::vector<std::string>{"demo", "--help"}, {"help", "demo"}}) {
    const Outcome o = Run(args);
    EXPECT_EQ(o.exit, 0);
    EXPECT_THAT(o.out, HasSubstr("Usage: panelpaper demo"));
    EXPECT_THAT(o.out, HasSubstr("--server HOST:PORT"));
    EXPECT_THAT(o.out, HasSubstr("--timeout SECONDS"));
    EXPECT_FALSE(ran_demo_);
  }
  const Outcome raw = Run({"help", "store"});
  EXPECT_EQ(raw.exit, 0);
  EXPECT_EQ(raw.out, "usage: panelpaper store ...\n");
  EXPECT_EQ(Run({"help", "nope"}).exit, kExitUsage);
}

TEST_F(CommandLineTest, Version) {
  const Outcome o = Run({"--version"});
  EXPECT_EQ(o.exit, 0);
  EXPECT_EQ(o.out, VersionText() + "\n");
  EXPECT_THAT(VersionText(), HasSubstr("renderer"));
}

TEST_F(CommandLineTest, RunsTheParsedCommand) {
  const Outcome o = Run({"demo", "in.json", "--server=127.0.0.1:50051", "--timeout", "2.5"});
  EXPECT_EQ(o.exit, 7);
  EXPECT_TRUE(ran_demo_);
  EXPECT_EQ(input_, "in.json");
  EXPECT_EQ(server_.Options().server, "127.0.0.1:50051");
  EXPECT_EQ(server_.Options().timeout, absl::Milliseconds(2500));
  EXPECT_EQ(Run({"demo", "-"}).exit, 7);
  EXPECT_EQ(input_, "-");
}

TEST_F(CommandLineTest, UsageErrorsExitTwoAndNameTheCommand) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {{"nope"}, "nope"},
           {{"demo"}, "INPUT is required"},
           {{"demo", "a", "--bogus"}, "--bogus"},
           {{"demo", "a", "--server=127.0.0.1:99999"}, "port 99999 is out of range (1-65535)"},
           {{"demo", "a", "--server=127.0.0.1:0"}, "out of range"},
           {{"demo", "a", "--server=nohost"}, "no port"},
           {{"demo", "a", "--tls"}, "--server"},
           {{"demo", "a", "--server=h:1", "--tls_cert=c.pem"}, "--tls_key"},
           {{"demo", "a", "--server=h:1", "--timeout=0"}, "--timeout"},
           {{"demo", "a", "--server=h:1", "--timeout=soon"}, "--timeout"},
       }) {
    const Outcome o = Run(c.args);
    EXPECT_EQ(o.exit, kExitUsage) << c.args.back();
    EXPECT_THAT(o.err, HasSubstr(c.message)) << c.args.back();
    EXPECT_FALSE(ran_demo_);
  }
  EXPECT_THAT(Run({"demo"}).err, HasSubstr("Run 'panelpaper demo --help' for usage."));
}

TEST_F(CommandLineTest, RawCommandsGetEveryWord) {
  const Outcome o = Run({"store", "check", "--dir", "/x", "--help", "-"});
  EXPECT_EQ(o.exit, 5);
  EXPECT_THAT(raw_args_, ElementsAre("check", "--dir", "/x", "--help", "-"));
}

}  // namespace
}  // namespace pp::cli
