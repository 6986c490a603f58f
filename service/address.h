// File: service/address.h
//
// HOST:PORT checks shared by panelpaperd's --listen and the CLI's --server:
// a port outside 1-65535 (or 0 where "pick one" makes sense) is refused
// before gRPC sees it (gRPC would otherwise wrap --listen=HOST:99999 round
// to some other port and serve there).
//
//   absl::Status s = CheckAddress("127.0.0.1:99999", AddressUse::kListen);
//   // INVALID_ARGUMENT: 127.0.0.1:99999: port 99999 is out of range (1-65535, or 0 ...)
//
// Accepted: HOST:PORT, [IPv6]:PORT, and gRPC's unix:PATH / unix-abstract:NAME
// (passed through). No DNS lookup happens here.
#ifndef PANELPAPER_SERVICE_ADDRESS_H_
#define PANELPAPER_SERVICE_ADDRESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pp::service {

enum class AddressUse {
  kListen,   // port 0 allowed: the server picks a free port
  kConnect,  // port 1-65535
};

absl::Status CheckAddress(absl::string_view address, AddressUse use);

// Whether a --listen address (checked by CheckAddress) only accepts clients
// on this machine: a 127.0.0.0/8 or [::1] host, "localhost", or a Unix
// socket. 0.0.0.0, [::] and any other host: false.
bool IsLoopbackAddress(absl::string_view address);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_ADDRESS_H_
