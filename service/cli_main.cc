// panelpaper: the command-line tool.
//
//   panelpaper render REQUEST -o OUT.pdf [--fonts DIR]
//
// REQUEST is a panelpaper.v1.RenderPaperRequest in proto3 JSON, or in text
// format when its name ends in .textproto or .txtpb. A syntax error stops at
// the first one; otherwise every validation violation is printed, one per
// line, as "<field path>: <description>".
//
// Exit status: 0 success; 1 the request was rejected (syntax, validation or
// a limit); 2 usage error; 3 the file could not be read or written, or
// rendering failed.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "panelpaper/v1/paper.pb.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/request_converter.h"

namespace {

constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFailure = 3;

constexpr char kUsage[] =
    "usage: panelpaper render REQUEST -o OUT.pdf [--fonts DIR]\n"
    "\n"
    "  REQUEST   a panelpaper.v1.RenderPaperRequest: proto3 JSON, or text format\n"
    "            when the name ends in .textproto or .txtpb\n"
    "  -o FILE   where to write the PDF\n"
    "  --fonts DIR  font folder (default: $PANELPAPER_FONTS_DIR, else <bin>/../fonts)\n"
    "\n"
    "exit status: 0 ok, 1 request rejected, 2 usage, 3 I/O or rendering failure\n";

// Collects the first text-format parse error.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (message_.empty()) message_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

// Writes atomically: a temporary file beside the target, then rename.
bool WriteFile(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// Parses REQUEST; on a syntax error prints it and returns false.
bool ParseRequest(const std::string& path, const std::string& text,
                  panelpaper::v1::RenderPaperRequest* req) {
  if (absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txtpb")) {
    google::protobuf::TextFormat::Parser parser;
    FirstError errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text, req)) {
      std::cerr << path << ":" << errors.message() << "\n";
      return false;
    }
    return true;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(text, req, options);
  if (!status.ok()) {
    std::cerr << path << ": invalid JSON request: " << status.message() << "\n";
    return false;
  }
  return true;
}

int Render(const std::vector<std::string>& args) {
  std::string request_path, out_path, fonts_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-o" || a == "--output") && i + 1 < args.size()) {
      out_path = args[++i];
    } else if (a == "--fonts" && i + 1 < args.size()) {
      fonts_dir = args[++i];
    } else if (absl::StartsWith(a, "--fonts=")) {
      fonts_dir = a.substr(8);
    } else if (absl::StartsWith(a, "-") && a != "-") {
      std::cerr << "panelpaper render: unknown option " << a << "\n\n" << kUsage;
      return kExitUsage;
    } else if (request_path.empty()) {
      request_path = a;
    } else {
      std::cerr << "panelpaper render: more than one REQUEST\n\n" << kUsage;
      return kExitUsage;
    }
  }
  if (request_path.empty() || out_path.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  std::string text;
  if (!ReadFile(request_path, &text)) {
    std::cerr << "panelpaper: cannot read " << request_path << "\n";
    return kExitFailure;
  }
  panelpaper::v1::RenderPaperRequest req;
  if (!ParseRequest(request_path, text, &req)) return kExitRejected;

  auto fonts = pp::text::FontSet::Load(fonts_dir.empty() ? pp::text::DefaultFontsDir() : fonts_dir);
  if (!fonts.ok()) {
    std::cerr << "panelpaper: " << fonts.status().message() << "\n";
    return kExitFailure;
  }

  // Validate everything and print every violation (not just the payload's
  // bounded list).
  pp::service::Limits limits;
  pp::service::Violations v;
  v.max_recorded = std::numeric_limits<size_t>::max();
  pp::doc::Paper paper;
  if (!req.has_paper()) {
    v.AddInvalid("paper", "required");
  } else {
    pp::service::ConvertPaper(req.paper(), "paper", **fonts, limits, &paper, &v);
  }
  if (!v.empty()) {
    std::cerr << request_path << ": " << v.count() << " problem" << (v.count() == 1 ? "" : "s")
              << ":\n";
    for (const auto& x : v.exhausted) std::cerr << "  " << x.field << ": " << x.description << "\n";
    for (const auto& x : v.invalid) std::cerr << "  " << x.field << ": " << x.description << "\n";
    return kExitRejected;
  }

  pp::RenderOptions options;
  options.compress_content = !req.options().uncompressed();
  options.max_pages = limits.max_pages;
  auto pdf = pp::RenderPaper(paper, **fonts, options);
  if (!pdf.ok()) {
    std::cerr << request_path << ": " << pdf.status().message() << "\n";
    const auto code = pdf.status().code();
    return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted
               ? kExitRejected
               : kExitFailure;
  }
  if (!WriteFile(out_path, pdf->bytes)) {
    std::cerr << "panelpaper: cannot write " << out_path << "\n";
    return kExitFailure;
  }
  std::cout << out_path << ": " << pdf->page_count << " pages, " << pdf->bytes.size()
            << " bytes\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitUsage : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "render") return Render(args);
  std::cerr << "panelpaper: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}
