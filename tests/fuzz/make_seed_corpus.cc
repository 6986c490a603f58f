// make_seed_corpus: writes (or checks) the fuzz targets' seed corpora from
// the fixtures, so that the checked-in seeds follow the fixtures.
//
//   bin/make_seed_corpus --out tests/fuzz/corpus     # after changing a fixture
//   bin/make_seed_corpus --check tests/fuzz/corpus   # ctest: fuzz.seed_corpus_current
//
// Seeds are named seed-*; other files in the corpus folders (inputs a fuzzer
// found, named crash-*/timeout-*/regression-*) are left alone. Requests are
// binary protobuf, serialized deterministically.
//   render_request/     every fixture paper (tests/testdata/requests/*.json and
//                       the papers of packs/*.json) as a RenderPaperRequest, and
//                       the small hostile requests of tests/hostile/hostile_cases.h
//   agenda_pack/        every pack fixture (public edition), a short members'
//                       edition of each in duplex, and the small hostile packs
//   structured_request/ edit scripts for structured_request_fuzzer: one per
//                       fixture with no edit (its selector byte alone), and a
//                       few fixed edit scripts
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/hostile/hostile_cases.h"

namespace {

namespace pb = ::panelpaper::v1;
namespace fs = std::filesystem;

std::string Serialize(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

struct Seed {
  std::string path;  // relative to the corpus root
  std::string bytes;
};

std::vector<Seed> Seeds() {
  std::vector<Seed> seeds;
  const auto& papers = pp::fuzz::FixturePaperRequests();
  for (size_t i = 0; i < papers.size(); ++i) {
    seeds.push_back({"render_request/seed-fixture-paper-" + std::to_string(i), Serialize(papers[i])});
  }
  namespace h = pp::hostile;
  const std::pair<const char*, pb::RenderPaperRequest> small[] = {
      {"minimal", h::MinimalRequest()},
      {"control-character", h::TextRequest("Bell \x07 here")},
      {"right-to-left", h::TextRequest("Shalom \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d")},
      {"combining", h::TextRequest("Cafe\xcc\x81")},
      {"outside-bmp", h::TextRequest("Smile \xf0\x9f\x98\x80")},
      {"no-font-has-it", h::TextRequest("Kanji \xe4\xb8\x80")},
      {"upright-only-characters", [] {
         pb::RenderPaperRequest r = h::TextRequest("Tifinagh \xe2\xb4\xb0 ");
         pb::Run* run = r.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()->add_runs();
         run->set_text("italic \xe2\xb4\xb0 \xe1\x9a\x81 \xef\x80\x81");
         run->set_italic(true);
         return r;
       }()},
      {"line-breaks-and-dashes", h::TextRequest("a \xe2\x80\x93 b\nc - d/e\xc2\xad" "f\xe2\x80\x8bg")},
      {"word-2000", h::WordRequest(2000, 2)},
      {"bullets-50", h::BulletsRequest(50)},
      {"nested-8", [] { pb::RenderPaperRequest r; h::BuildNestedLists(8, &r); return r; }()},
      {"tall-cell", h::TallCellRequest(1500)},
      {"tall-header", h::TallHeaderRequest(100)},
      {"lines-3000", h::LinesRequest(3000)},
      {"columns-0", h::ColumnsRequest(0)},
      {"columns-60", h::ColumnsRequest(60)},
      {"widths-zero", h::WidthsRequest({0, 0})},
      {"widths-negative", h::WidthsRequest({-1, 2})},
      {"widths-huge", h::WidthsRequest({1e308, 1e308})},
      {"unknown-enums", h::UnknownEnumsRequest()},
      {"missing-required", h::MissingRequiredRequest()},
      {"empty", pb::RenderPaperRequest()},
  };
  for (const auto& [name, req] : small) {
    seeds.push_back({std::string("render_request/seed-hostile-") + name, Serialize(req)});
  }

  const auto& packs = pp::fuzz::FixturePacks();
  for (size_t p = 0; p < packs.size(); ++p) {
    const pb::RenderAgendaPackRequest& pack = packs[p];
    const std::string n = p == 0 ? "" : "-" + std::to_string(p);
    seeds.push_back({"agenda_pack/seed-fixture-pack" + n + "-public", Serialize(pack)});
    // A short members' edition in duplex: the items without a paper and the
    // two shortest papers, the Part II one among them (cheap to fuzz).
    pb::RenderAgendaPackRequest short_pack = pack;
    short_pack.set_edition(pb::MEMBERS);
    short_pack.set_duplex(true);
    short_pack.clear_items();
    for (const pb::AgendaItem& item : pack.items()) {
      if (!item.has_paper() || item.part() == pb::PART_II || item.number().number() == 8) {
        *short_pack.add_items() = item;
      }
    }
    seeds.push_back({"agenda_pack/seed-fixture-pack" + n + "-short-members-duplex", Serialize(short_pack)});
  }
  seeds.push_back({"agenda_pack/seed-hostile-minimal", Serialize(h::MinimalPack())});
  seeds.push_back({"agenda_pack/seed-hostile-unknown-enums", Serialize(h::UnknownEnumsPack())});
  seeds.push_back({"agenda_pack/seed-hostile-missing-required", Serialize(h::MissingRequiredPack())});
  seeds.push_back({"agenda_pack/seed-hostile-empty", ""});
  {
    pb::RenderAgendaPackRequest pack = h::MinimalPack();
    *pack.mutable_items(1)->mutable_paper() = h::TallHeaderRequest(100).paper();
    seeds.push_back({"agenda_pack/seed-hostile-tall-header-item", Serialize(pack)});
  }

  // structured_request_fuzzer reads its selector from the input's last byte
  // (FuzzedDataProvider takes integers from the end).
  for (size_t i = 0; i < papers.size(); ++i) {
    seeds.push_back({"structured_request/seed-fixture-" + std::to_string(i),
                     std::string(1, static_cast<char>(i))});
  }
  for (size_t p = 0; p < packs.size() && p < 16; ++p) {  // selector 16 * p + 15
    seeds.push_back({"structured_request/seed-fixture-pack" + (p == 0 ? "" : "-" + std::to_string(p)),
                     std::string(1, static_cast<char>(16 * p + 15))});
  }
  // A few edit scripts: arbitrary but fixed bytes, so the seeds start with
  // edits applied (bytes at the front are text, at the back choices).
  using namespace std::string_view_literals;
  const std::string_view scripts[] = {
      "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x00"sv,
      "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\x01"sv,
      "\x7f\x80\x00\x01\x7f\x80\x00\x01\x7f\x80\x00\x01\x7f\x80\x00\x01\x7f\x80\x00\x01\x02"sv,
      "\x33\x66\x99\xcc\x33\x66\x99\xcc\x33\x66\x99\xcc\x33\x66\x99\xcc\x33\x66\x99\xcc\x1f"sv,
  };
  for (size_t i = 0; i < std::size(scripts); ++i) {
    seeds.push_back({"structured_request/seed-edits-" + std::to_string(i), std::string(scripts[i])});
  }
  // Longer scripts (a fixed pseudo-random byte sequence): room for a dozen
  // edits from the start (libFuzzer grows inputs from the longest seed).
  uint32_t x = 2463534242u;  // xorshift32
  for (int i = 0; i < 4; ++i) {
    std::string script(size_t{64} << i, '\0');
    for (char& c : script) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      c = static_cast<char>(x & 0xFF);
    }
    seeds.push_back({"structured_request/seed-edits-long-" + std::to_string(i), script});
  }
  return seeds;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "--out" && std::string(argv[1]) != "--check")) {
    std::fprintf(stderr, "usage: %s --out|--check CORPUS_ROOT (e.g. tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const bool check = std::string(argv[1]) == "--check";
  const fs::path root(argv[2]);
  int stale = 0;
  size_t total = 0;
  const std::vector<Seed> seeds = Seeds();
  for (const Seed& seed : seeds) {
    const fs::path path = root / seed.path;
    total += seed.bytes.size();
    if (check) {
      if (!fs::exists(path) || ReadFile(path) != seed.bytes) {
        std::fprintf(stderr, "stale or missing seed: %s\n", path.c_str());
        ++stale;
      }
      continue;
    }
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << seed.bytes;
  }
  if (check) {
    // Seeds the generator no longer makes.
    for (const char* dir : {"render_request", "agenda_pack", "structured_request"}) {
      if (!fs::is_directory(root / dir)) continue;
      for (const auto& entry : fs::directory_iterator(root / dir)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("seed-", 0) != 0) continue;
        bool known = false;
        for (const Seed& seed : seeds) known |= root / seed.path == entry.path();
        if (!known) {
          std::fprintf(stderr, "seed no longer generated: %s\n", entry.path().c_str());
          ++stale;
        }
      }
    }
    if (stale > 0) {
      std::fprintf(stderr,
                   "%d seed file(s) differ from the fixtures: run\n"
                   "  build/bin/make_seed_corpus --out tests/fuzz/corpus\n"
                   "and commit tests/fuzz/corpus\n",
                   stale);
      return 1;
    }
    std::printf("seed corpus matches the fixtures\n");
    return 0;
  }
  std::printf("wrote seeds under %s (%zu bytes)\n", root.c_str(), total);
  return 0;
}
