#include "renderers/identity.h"

#include <openssl/sha.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "renderers/pdf/painter.h"
#include "renderers/renderer.h"

namespace pp {
namespace {

constexpr char kSeparator[] = "; ";

// "sha256:0123abcd…" (the first 12 hex digits) for messages.
std::string Short(std::string_view value) {
  return value.size() > 19 ? absl::StrCat(std::string(value.substr(0, 19)), "\xE2\x80\xA6")
                           : std::string(value);
}

// Lower-case hex SHA-256 (the renderers cannot use service/sha256.h).
std::string Sha256HexOf(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char c : digest) absl::StrAppendFormat(&hex, "%02x", c);
  return hex;
}

}  // namespace

std::string RendererIdentity::ToString() const {
  return absl::StrCat("panelpaper-renderer ", renderer_version, kSeparator, "libharu ",
                      libharu_version, kSeparator, "zlib ", zlib_release, kSeparator,
                      "fonts sha256:", fonts_sha256, kSeparator, "icc sha256:", icc_sha256,
                      kSeparator, "libharu-patches ", libharu_patches);
}

absl::StatusOr<std::string> FontsManifest(const text::FontSet& fonts) {
  std::string manifest;
  for (int i = 0; i < text::kFaceCount; ++i) {
    text::FaceId id;
    id.index = static_cast<uint8_t>(i);
    const text::FaceMetrics& face = fonts.face(id);
    std::string digest = "-";
    if (face.data != nullptr) {
      digest = Sha256HexOf(*face.data);
    } else if (!face.file.empty()) {
      std::ifstream in(face.file, std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      if (!in || in.bad()) {
        return absl::UnavailableError(absl::StrCat("cannot read the font ", face.postscript_name));
      }
      digest = Sha256HexOf(bytes.str());
    }
    absl::StrAppend(&manifest, face.postscript_name, " ", digest, "\n");
  }
  return manifest;
}

absl::StatusOr<RendererIdentity> ComputeRendererIdentity(const text::FontSet& fonts,
                                                         std::string_view icc_profile) {
  absl::StatusOr<std::string> manifest = FontsManifest(fonts);
  if (!manifest.ok()) return manifest.status();
  RendererIdentity id;
  id.renderer_version = kRendererVersion;
  id.libharu_version = pdf::LibharuVersion();
  id.zlib_release = pdf::ZlibVersion();
  id.fonts_sha256 = Sha256HexOf(*manifest);
  id.icc_sha256 = Sha256HexOf(icc_profile);
  id.libharu_patches = pdf::LibharuSelfCheck(fonts).Describe();
  return id;
}

absl::StatusOr<RendererIdentity> RendererIdentityForFontsDir(const std::string& dir) {
  absl::StatusOr<std::shared_ptr<const text::FontSet>> fonts = text::FontSet::Load(dir);
  if (!fonts.ok()) return fonts.status();
  const std::string icc_path = dir + "/icc/sRGB.icc";
  std::ifstream in(icc_path, std::ios::binary);
  std::ostringstream icc;
  icc << in.rdbuf();
  if (!in || in.bad() || icc.str().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read the ICC profile ", icc_path));
  }
  return ComputeRendererIdentity(**fonts, icc.str());
}

std::vector<std::string> IdentityDifferences(std::string_view archived, std::string_view current) {
  if (archived.empty()) return {"no renderer identity recorded"};
  // Part name (the text up to the first space) -> its value.
  auto parts = [](std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    for (absl::string_view part : absl::StrSplit(absl::string_view(s.data(), s.size()), kSeparator)) {
      const size_t space = part.find(' ');
      out.emplace_back(std::string(part.substr(0, space)),
                       space == absl::string_view::npos ? "" : std::string(part.substr(space + 1)));
    }
    return out;
  };
  const auto a = parts(archived);
  const auto c = parts(current);
  std::vector<std::string> out;
  auto value_in = [](const auto& list, const std::string& name) -> const std::string* {
    for (const auto& [n, v] : list) {
      if (n == name) return &v;
    }
    return nullptr;
  };
  for (const auto& [name, then] : a) {
    const std::string* now = value_in(c, name);
    if (now == nullptr) {
      out.push_back(absl::StrCat(name, " ", Short(then), " -> (none)"));
    } else if (*now != then) {
      out.push_back(absl::StrCat(name, " ", Short(then), " -> ", Short(*now)));
    }
  }
  for (const auto& [name, now] : c) {
    if (value_in(a, name) == nullptr) out.push_back(absl::StrCat(name, " (none) -> ", Short(now)));
  }
  return out;
}

}  // namespace pp
