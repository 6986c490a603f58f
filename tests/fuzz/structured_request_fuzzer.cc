// Fuzz target (b), structure-aware: the input does not describe bytes of a
// request but EDITS to a valid one. It starts from a fixture (the reference
// paper, one of the agenda-pack fixture's papers, or the whole pack) and a
// FuzzedDataProvider (clang's fuzzer/FuzzedDataProvider.h) chooses up to
// kMaxEdits edits. Each edit walks down the message tree by reflection to a
// field and then
//   * grows it: repeats an element up to 100,000 times, adds empty elements,
//     nests a copy of an enclosing message of the same type inside it (lists
//     in lists, paragraphs of paragraphs), repeats a string;
//   * empties it: clears it, sets "" or whitespace, removes an element;
//   * fills it with awkward text: control characters, right-to-left and
//     combining text, characters outside the BMP or in no bundled font,
//     invalid UTF-8, soft hyphens, zero-width spaces, dashes and slashes
//     (the line breaker's special cases), long words, URLs, colours, dates;
//   * sets a number or enum to a boundary or unknown value (0, -1, INT_MAX,
//     NaN, infinities, 1e308, denormals, enum 99).
// libprotobuf-mutator is not in Debian 12; this does the same job for our
// protos with the provider's bytes as the "genome", so libFuzzer's coverage
// feedback steers which edits survive.
//
// The fixtures are every tests/testdata/requests/*.json and packs/*.json
// (fuzz_support.h). The edited request goes straight to the converter and renderer (no parser,
// no word guard: an edited message may hold what no parser would let
// through, e.g. invalid UTF-8, and the renderer must cope on its own), with
// the small limits of fuzz_support.h. Contract as there.
//
// Seeds: tests/fuzz/corpus/structured_request/ (one per fixture with no edit,
// and a few edit scripts), written by make_seed_corpus.
#ifdef PP_FUZZED_DATA_PROVIDER_H
#include PP_FUZZED_DATA_PROVIDER_H  // found by tests/fuzz/CMakeLists.txt (any compiler)
#else
#include <fuzzer/FuzzedDataProvider.h>
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"
#include "service/request_converter.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace pb = ::panelpaper::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using namespace std::string_view_literals;

constexpr int kMaxEdits = 12;
// A request never grows past this (panelpaperd's default request limit is
// 4 MiB); an edit that would is undone.
constexpr size_t kMaxRequestBytes = 2 << 20;
// Walks stop this deep (a request nests ~10 levels; copies of enclosing
// messages make it deeper).
constexpr int kMaxWalkDepth = 64;

// Text pieces the renderer finds awkward. Valid and invalid UTF-8 alike.
constexpr std::string_view kPieces[] = {
    " "sv, "\n"sv, "x"sv, "Word "sv, "Professionalism/AC"sv, "supercalifragilistic"sv,
    "\t"sv, "\r"sv, "\x01"sv, "\x7f"sv, "\0"sv, "\xc2\x80"sv, "\xc2\x85"sv,  // controls
    "\xc2\xa0"sv,                                         // no-break space
    "\xc2\xad"sv,                                         // soft hyphen
    "\xe2\x80\x8b"sv,                                     // zero-width space
    "\xe2\x80\x8d"sv, "\xe2\x80\x8e"sv, "\xe2\x80\xae"sv, // ZWJ, LRM, RLO
    "\xd7\x90\xd7\x91"sv,                                 // Hebrew
    "\xd8\xa7\xd9\x84"sv,                                 // Arabic
    "\xe0\xa4\x95"sv,                                     // Devanagari
    "e\xcc\x81"sv, "\xcc\x81"sv,                          // combining acute
    "\xf0\x9f\x98\x80"sv,                                 // U+1F600 (outside the BMP)
    "\xe4\xb8\x80"sv,                                     // U+4E00 (no bundled font)
    "\xe2\xb4\xb0"sv, "\xe1\x9a\x81"sv, "\xef\x80\x81"sv,  // only in upright (or regular) faces
    "\xee\x80\x80"sv,                                     // U+E000 (private use)
    "\xef\xbf\xbd"sv, "\xef\xbf\xbf"sv, "\xef\xbb\xbf"sv, // U+FFFD, U+FFFF, BOM
    "-"sv, " - "sv, "a-b"sv, "\xe2\x80\x93"sv, " \xe2\x80\x94 "sv, "/"sv, "a/b"sv,
    "\xc2\xa3"sv, "\xe2\x82\xac"sv, "\xc3\xa9"sv, "\xce\xa9"sv, "\xd0\x96"sv,
    "\xe2\x86\x92"sv, "\xe2\x96\xa0"sv, "\xe2\x80\xa2"sv,  // arrow, square, bullet
    "https://example.org/a?b=c#d"sv, "http://"sv, "mailto:x@example.org"sv, "mailto:"sv,
    "name@example.org"sv, "@@"sv, "#D9D9D9"sv, "#zzzzzz"sv, "2020-02-29"sv, "2019-02-29"sv,
    "0000-00-00"sv, "9999-12-31"sv, "23:59"sv, "24:00"sv, "good progress"sv,
    " GOOD   Progress "sv, "limited progress"sv, "b"sv, "AB"sv,
    "\xff"sv, "\xc0\xaf"sv, "\xed\xa0\x80"sv, "\xf4\x90\x80\x80"sv, "\xe2\x82"sv,  // invalid
    "%s%n"sv, "<>&\"'"sv, "(\\)"sv, "W"sv, "i"sv, "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM"sv,
};

constexpr int64_t kInts[] = {0,   1,    -1,    2,     3,      6,     7,          8,
                             26,  99,   100,   999,   1000,   5000,  99999,      100000,
                             std::numeric_limits<int32_t>::max(),
                             std::numeric_limits<int32_t>::min(),
                             -62135596800,  -62135596801, 253402300799, 253402300800,
                             std::numeric_limits<int64_t>::max(),
                             std::numeric_limits<int64_t>::min()};

constexpr double kDoubles[] = {0.0,   -0.0,   1.0,     -1.0,   0.5,    6.99,   7.0,
                               14.0,  14.01,  1e-300,  5e-324, 1e300,  1e308,
                               std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN()};

constexpr size_t kCounts[] = {1, 2, 3, 10, 100, 1000, 10000, 100000};

class Editor {
 public:
  explicit Editor(FuzzedDataProvider* fdp) : fdp_(*fdp) {}

  // Applies one edit somewhere below `root`. `size` is root's current
  // serialized size (for the growth budget).
  void Edit(Message* root, size_t size) {
    room_ = size < kMaxRequestBytes ? kMaxRequestBytes - size : 0;
    ancestors_.clear();
    Visit(root, 0);
  }

 private:
  template <typename T, size_t N>
  const T& Pick(const T (&values)[N]) {
    return values[fdp_.ConsumeIntegralInRange<size_t>(0, N - 1)];
  }

  // How many copies of something `unit` bytes big fit in the budget.
  size_t Count(size_t unit) {
    size_t n = Pick(kCounts);
    const size_t max = room_ / (unit + 2);
    if (n > max) n = max;
    return n;
  }

  void Visit(Message* m, int depth) {
    const Descriptor* d = m->GetDescriptor();
    if (d->field_count() == 0) return;
    const FieldDescriptor* f = d->field(fdp_.ConsumeIntegralInRange<int>(0, d->field_count() - 1));
    const Reflection* r = m->GetReflection();
    const int op = fdp_.ConsumeIntegralInRange<int>(0, 9);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      ancestors_.push_back(m);
      if (f->is_repeated()) {
        RepeatedMessage(m, r, f, op, depth);
      } else {
        SingularMessage(m, r, f, op, depth);
      }
      return;
    }
    if (f->is_repeated()) {
      const int n = r->FieldSize(*m, f);
      if (op == 0) {
        r->ClearField(m, f);
        return;
      }
      if (op == 1 && n > 0) {
        r->RemoveLast(m, f);
        return;
      }
      if (op == 2 && n > 0 && f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        const std::string s = r->GetRepeatedString(*m, f, fdp_.ConsumeIntegralInRange(0, n - 1));
        for (size_t i = 0, k = Count(s.size()); i < k; ++i) r->AddString(m, f, s);
        return;
      }
      if (n == 0 || op == 3) {
        AddScalar(m, r, f);
        return;
      }
      SetScalar(m, r, f, fdp_.ConsumeIntegralInRange(0, n - 1));
      return;
    }
    if (op == 0) {
      r->ClearField(m, f);
      return;
    }
    SetScalar(m, r, f, -1);
  }

  void RepeatedMessage(Message* m, const Reflection* r, const FieldDescriptor* f, int op,
                       int depth) {
    const int n = r->FieldSize(*m, f);
    if (n > 0 && op <= 4 && depth < kMaxWalkDepth) {
      Visit(r->MutableRepeatedMessage(m, f, fdp_.ConsumeIntegralInRange(0, n - 1)), depth + 1);
      return;
    }
    switch (op) {
      case 5:
        r->ClearField(m, f);
        return;
      case 6:  // repeat an element
        if (n > 0) {
          const Message& e = r->GetRepeatedMessage(*m, f, fdp_.ConsumeIntegralInRange(0, n - 1));
          std::unique_ptr<Message> copy(e.New());
          copy->CopyFrom(e);
          const size_t k = Count(copy->ByteSizeLong());
          for (size_t i = 0; i < k; ++i) r->AddMessage(m, f)->CopyFrom(*copy);
          return;
        }
        [[fallthrough]];
      case 7: {  // add empty elements
        const size_t k = Count(0);
        for (size_t i = 0; i < k; ++i) r->AddMessage(m, f);
        return;
      }
      case 8:  // drop or reorder
        if (n > 1 && fdp_.ConsumeBool()) {
          r->SwapElements(m, f, fdp_.ConsumeIntegralInRange(0, n - 1),
                          fdp_.ConsumeIntegralInRange(0, n - 1));
        } else if (n > 0) {
          r->RemoveLast(m, f);
        }
        return;
      default:  // nest a copy of an enclosing message of the element type
        if (const Message* a = Ancestor(f->message_type())) {
          std::unique_ptr<Message> copy(a->New());
          copy->CopyFrom(*a);  // copy first: `a` contains `m`
          if (copy->ByteSizeLong() < room_) r->AddMessage(m, f)->CopyFrom(*copy);
        } else if (depth < kMaxWalkDepth) {
          Visit(r->AddMessage(m, f), depth + 1);
        }
        return;
    }
  }

  void SingularMessage(Message* m, const Reflection* r, const FieldDescriptor* f, int op,
                       int depth) {
    if (op <= 5 && depth < kMaxWalkDepth) {
      // Mutable* creates the field (and, in a oneof, switches its kind).
      Visit(r->MutableMessage(m, f), depth + 1);
      return;
    }
    if (op <= 7) {
      r->ClearField(m, f);
      return;
    }
    if (const Message* a = Ancestor(f->message_type())) {
      std::unique_ptr<Message> copy(a->New());
      copy->CopyFrom(*a);
      if (copy->ByteSizeLong() < room_) r->MutableMessage(m, f)->CopyFrom(*copy);
      return;
    }
    r->MutableMessage(m, f);  // present but empty
  }

  const Message* Ancestor(const Descriptor* type) {
    for (auto it = ancestors_.rbegin(); it != ancestors_.rend(); ++it) {
      if ((*it)->GetDescriptor() == type) return *it;
    }
    return nullptr;
  }

  std::string Text(const std::string& current) {
    switch (fdp_.ConsumeIntegralInRange(0, 8)) {
      case 0:
        return "";
      case 1: {  // one piece, repeated
        const std::string_view piece = Pick(kPieces);
        std::string out;
        for (size_t i = 0, k = Count(piece.size()); i < k; ++i) out.append(piece);
        return out;
      }
      case 2: {  // the current text, repeated (with or without spaces)
        const std::string_view sep = fdp_.ConsumeBool() ? " "sv : ""sv;
        std::string out;
        for (size_t i = 0, k = Count(current.size()); i < k; ++i) {
          out.append(current);
          out.append(sep);
        }
        return out;
      }
      case 3: {  // a few pieces
        std::string out;
        for (int i = 0, k = fdp_.ConsumeIntegralInRange(1, 8); i < k; ++i) out.append(Pick(kPieces));
        return out;
      }
      case 4:  // raw bytes from the input
        return fdp_.ConsumeRandomLengthString(300);
      case 5: {  // a piece inserted anywhere (even inside a UTF-8 sequence)
        std::string out = current;
        out.insert(fdp_.ConsumeIntegralInRange<size_t>(0, out.size()), Pick(kPieces));
        return out;
      }
      case 6:  // cut anywhere
        return current.substr(0, fdp_.ConsumeIntegralInRange<size_t>(0, current.size()));
      case 7:
        return std::string(Pick({" "sv, "\n"sv, "   "sv, " \n "sv, "\n\n\n"sv}));
      default: {  // one long word
        std::string out = current;
        out.append(Count(1), Pick({'x', 'W', 'i', '-', '/'}));
        return out;
      }
    }
  }

  int EnumValue(const FieldDescriptor* f) {
    const int n = f->enum_type()->value_count();
    switch (fdp_.ConsumeIntegralInRange(0, 3)) {
      case 0: return -1;
      case 1: return 99;
      case 2: return n;  // one past the last
      default: return fdp_.ConsumeIntegralInRange(0, n - 1);
    }
  }

  double Double() {
    return fdp_.ConsumeBool() ? Pick(kDoubles) : fdp_.ConsumeFloatingPoint<double>();
  }
  int64_t Int() { return fdp_.ConsumeBool() ? Pick(kInts) : fdp_.ConsumeIntegral<int64_t>(); }

  // Sets element `index` of a repeated scalar field, or the singular field
  // when index < 0.
  void SetScalar(Message* m, const Reflection* r, const FieldDescriptor* f, int index) {
    const bool rep = index >= 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string cur = rep ? r->GetRepeatedString(*m, f, index) : r->GetString(*m, f);
        std::string v = Text(cur);
        if (v.size() > room_ + cur.size()) v.resize(room_ + cur.size());
        if (rep) r->SetRepeatedString(m, f, index, std::move(v)); else r->SetString(m, f, std::move(v));
        return;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        const auto v = static_cast<int32_t>(Int());
        if (rep) r->SetRepeatedInt32(m, f, index, v); else r->SetInt32(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        const int64_t v = Int();
        if (rep) r->SetRepeatedInt64(m, f, index, v); else r->SetInt64(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        const auto v = static_cast<uint32_t>(Int());
        if (rep) r->SetRepeatedUInt32(m, f, index, v); else r->SetUInt32(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        const auto v = static_cast<uint64_t>(Int());
        if (rep) r->SetRepeatedUInt64(m, f, index, v); else r->SetUInt64(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        const double v = Double();
        if (rep) r->SetRepeatedDouble(m, f, index, v); else r->SetDouble(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        const auto v = static_cast<float>(Double());
        if (rep) r->SetRepeatedFloat(m, f, index, v); else r->SetFloat(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const bool v = !(rep ? r->GetRepeatedBool(*m, f, index) : r->GetBool(*m, f));
        if (rep) r->SetRepeatedBool(m, f, index, v); else r->SetBool(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int v = EnumValue(f);
        if (rep) r->SetRepeatedEnumValue(m, f, index, v); else r->SetEnumValue(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return;
    }
  }

  void AddScalar(Message* m, const Reflection* r, const FieldDescriptor* f) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: r->AddString(m, f, Text("")); return;
      case FieldDescriptor::CPPTYPE_INT32: r->AddInt32(m, f, static_cast<int32_t>(Int())); return;
      case FieldDescriptor::CPPTYPE_INT64: r->AddInt64(m, f, Int()); return;
      case FieldDescriptor::CPPTYPE_UINT32: r->AddUInt32(m, f, static_cast<uint32_t>(Int())); return;
      case FieldDescriptor::CPPTYPE_UINT64: r->AddUInt64(m, f, static_cast<uint64_t>(Int())); return;
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        // column_widths is the only repeated number: grow it in bulk too.
        const double v = Double();
        for (size_t i = 0, k = fdp_.ConsumeBool() ? Count(8) : 1; i < k; ++i) r->AddDouble(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: r->AddFloat(m, f, static_cast<float>(Double())); return;
      case FieldDescriptor::CPPTYPE_BOOL: r->AddBool(m, f, fdp_.ConsumeBool()); return;
      case FieldDescriptor::CPPTYPE_ENUM: r->AddEnumValue(m, f, EnumValue(f)); return;
      case FieldDescriptor::CPPTYPE_MESSAGE: return;
    }
  }

  FuzzedDataProvider& fdp_;
  size_t room_ = 0;
  std::vector<const Message*> ancestors_;
};

// Edits `msg` as the input says; an edit that makes it too big is undone.
void ApplyEdits(FuzzedDataProvider* fdp, Message* msg) {
  Editor editor(fdp);
  std::unique_ptr<Message> before(msg->New());
  for (int i = 0; i < kMaxEdits && fdp->remaining_bytes() > 0; ++i) {
    before->CopyFrom(*msg);
    editor.Edit(msg, before->ByteSizeLong());
    if (msg->ByteSizeLong() > kMaxRequestBytes) msg->CopyFrom(*before);
  }
}

void RunPaper(const pb::RenderPaperRequest& req) {
  const pp::fuzz::FuzzEnv& env = pp::fuzz::GetFuzzEnv();
  absl::StatusOr<pp::service::RenderJob> job =
      pp::service::ConvertRenderPaperRequest(req, env.fonts(), env.limits);
  if (!job.ok()) {
    pp::fuzz::CheckRejection(job.status(), "ConvertRenderPaperRequest");
    return;
  }
  auto pdf = pp::RenderPaper(job->paper, env.fonts(), env.render_options(job->compress_content));
  if (!pdf.ok()) {
    pp::fuzz::CheckRenderRejection(pdf.status(), "RenderPaper");
    return;
  }
  pp::fuzz::CheckPdf(*pdf, env.limits.max_pages, "RenderPaper");
  pp::fuzz::CheckPaperLayout(job->paper, env);
}

void RunPack(const pb::RenderAgendaPackRequest& req) {
  const pp::fuzz::FuzzEnv& env = pp::fuzz::GetFuzzEnv();
  absl::StatusOr<pp::service::PackJob> job =
      pp::service::ConvertAgendaPackRequest(req, env.fonts(), env.limits);
  if (!job.ok()) {
    pp::fuzz::CheckRejection(job.status(), "ConvertAgendaPackRequest");
    return;
  }
  auto pack = pp::RenderPack(job->pack, env.fonts(), env.pack_options(job->compress_content));
  if (!pack.ok()) {
    pp::fuzz::CheckRenderRejection(pack.status(), "RenderPack");
    return;
  }
  pp::fuzz::CheckPdf(pack->pdf, env.limits.max_pack_pages, "RenderPack");
  pp::fuzz::CheckPackLayout(job->pack, env);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pp::fuzz::GetFuzzEnv();
  pp::fuzz::FixturePaperRequests();
  pp::fuzz::FixturePacks();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto& papers = pp::fuzz::FixturePaperRequests();
  // The selector: a paper fixture, or (1 value in 16: a pack costs ~5 papers)
  // a pack. Inputs with no bytes left render the first paper fixture as is.
  const auto selector = fdp.ConsumeIntegral<uint8_t>();
  if (selector % 16 == 15) {
    const auto& packs = pp::fuzz::FixturePacks();
    pb::RenderAgendaPackRequest pack = packs[(selector / 16) % packs.size()];
    if (fdp.ConsumeBool()) pack.set_edition(pb::MEMBERS);
    pack.set_duplex(fdp.ConsumeBool());
    ApplyEdits(&fdp, &pack);
    RunPack(pack);
    return 0;
  }
  pb::RenderPaperRequest req = papers[selector % papers.size()];
  ApplyEdits(&fdp, &req);
  RunPaper(req);
  return 0;
}
