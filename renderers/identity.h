// File: renderers/identity.h
//
// The renderer identity: everything that decides the bytes of a PDF besides
// the request, so two renders can be compared only when their identities
// are equal. Stored with every archived paper, printed by `--version`:
//
//   panelpaper-renderer 0.2.0; libharu 2.3.0; zlib 1.2.13;
//   fonts sha256:<64 hex>; icc sha256:<64 hex>; libharu-patches on
//
// (one line, "; " between the parts). The parts: the rendering code's
// version (kRendererVersion), the libharu and zlib versions the process
// runs with, SHA-256 digests of the twelve faces of the font set and of
// the sRGB ICC profile (PDF/A output), and whether the painter's libharu
// and zlib replacements are in force ("on", "off" when built with
// PP_LIBHARU_PATCHES=OFF, or "inactive (not called: ...)" when the
// start-up self-check found libharu not calling them).
//
//   PP_ASSIGN_OR_RETURN(RendererIdentity id, ComputeRendererIdentity(*fonts, icc_profile));
//   std::cout << id.ToString() << "\n";
#ifndef PANELPAPER_RENDERERS_IDENTITY_H_
#define PANELPAPER_RENDERERS_IDENTITY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "renderers/text/font_set.h"

namespace pp {

struct RendererIdentity {
  std::string renderer_version;  // kRendererVersion
  std::string libharu_version;   // HPDF_GetVersion()
  std::string zlib_release;      // zlibVersion() (not "zlib_version": zlib.h defines that as a macro)
  std::string fonts_sha256;      // FontsSha256(fonts)
  std::string icc_sha256;        // SHA-256 of the ICC profile
  std::string libharu_patches;   // pdf::LibharuPatches::Describe()

  // The canonical one-line form (above).
  std::string ToString() const;
  friend bool operator==(const RendererIdentity&, const RendererIdentity&) = default;
};

// The identity of this process rendering with `fonts` and `icc_profile`.
// Runs the painter's self-check (pdf::LibharuSelfCheck) on first use; the
// digests read the faces' bytes. Call once at start-up and keep the result.
absl::StatusOr<RendererIdentity> ComputeRendererIdentity(const text::FontSet& fonts,
                                                         std::string_view icc_profile);

// The identity of rendering with the fonts folder `dir`: its font set and
// its ICC profile (dir/icc/sRGB.icc). What `panelpaperd --version` and
// `panelpaper --version` print.
absl::StatusOr<RendererIdentity> RendererIdentityForFontsDir(const std::string& dir);

// One line per face, "<PostScript name> <sha256 hex of the TTF>\n" ("-" for a
// face without a file), in face order: what FontsSha256 hashes.
absl::StatusOr<std::string> FontsManifest(const text::FontSet& fonts);

// How two canonical identity strings differ, one entry per differing part,
// e.g. "zlib 1.2.11 -> 1.2.13" or "fonts sha256:ab12… -> sha256:cd34…";
// an empty `archived` (recorded before identities were stored) gives
// {"no renderer identity recorded"}. Empty when equal.
std::vector<std::string> IdentityDifferences(std::string_view archived, std::string_view current);

}  // namespace pp

#endif  // PANELPAPER_RENDERERS_IDENTITY_H_
