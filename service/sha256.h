// File: service/sha256.h
//
// SHA-256 of PDF bytes, as PdfInfo.sha256 / RenderPaperResponse.sha256 carry
// it (OpenSSL libcrypto; no gRPC).
//
//   std::string hex = pp::service::Sha256Hex(pdf);  // 64 lower-case hex digits
#ifndef PANELPAPER_SERVICE_SHA256_H_
#define PANELPAPER_SERVICE_SHA256_H_

#include <string>
#include <string_view>

namespace pp::service {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_SHA256_H_
