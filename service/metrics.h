// File: service/metrics.h
//
// Prometheus metrics of panelpaperd (issue 13 item 3), with Debian's
// prometheus-cpp 1.0.1. Served in the text exposition format on a port of
// their own (--metrics_listen=HOST:PORT, GET /metrics; off by default).
//
//   panelpaper_calls_total{service,method,code,outcome}    counter
//   panelpaper_render_seconds{service,method}              histogram
//   panelpaper_queue_wait_seconds{service,method}          histogram
//   panelpaper_pages_total{service,method}                 counter
//   panelpaper_response_bytes_total{service,method}        counter
//   panelpaper_calls_in_flight{service}                    gauge
//   panelpaper_calls_queued{service}                       gauge
//   panelpaper_workers_busy{service}                       gauge
//   panelpaper_workers{service}                            gauge
//   panelpaper_build_info{version,renderer_identity}       gauge, always 1
//   panelpaper_archive_verify_total{verdict}                counter
//   panelpaper_archive_store_check_findings{kind}           gauge (start-up check)
//   panelpaper_archive_index_healthy                        gauge, 1 or 0
//
// Every label value is a fixed name (method, status code, outcome, service)
// or the server's build: never request content. The call metrics are
// updated in CallHandler::CallEnded, the one place a call is accounted; the
// gauges are read from the worker pools at scrape time.
//
//   auto metrics = std::make_shared<Metrics>(version, identity);
//   handler options.metrics = metrics;  ...  metrics->Observe(...)
//   auto exposer = metrics->Serve("127.0.0.1:9464");  // StatusOr
#ifndef PANELPAPER_SERVICE_METRICS_H_
#define PANELPAPER_SERVICE_METRICS_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace pp::service {

// One ended call, as the metrics see it.
struct CallSample {
  std::string_view service;  // "render" or "archive"
  std::string_view method;
  std::string_view code;     // "OK", "RESOURCE_EXHAUSTED", ...
  std::string_view outcome;  // one of kOutcomes (call_handler.h)
  double queue_seconds = 0;
  double render_seconds = 0;
  int pages = 0;
  size_t bytes_out = 0;
};

// What a service's worker pool reports at scrape time.
struct PoolState {
  int in_flight = 0;
  int queued = 0;
  int busy = 0;
  int workers = 0;
};

class Metrics {
 public:
  Metrics(std::string version, std::string renderer_identity);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void Observe(const CallSample& sample);
  // A VerifyArchivedPaper verdict (ok, not_comparable, mismatch, damaged);
  // called from CallEnded with the call's other metrics.
  void ObserveVerdict(std::string_view verdict);
  // What the archive store's start-up check found, by kind (a fixed name).
  void SetStoreCheckFinding(std::string_view kind, double count);
  // The archive's health (archive_setup.h's watch): 1 serving, 0 not.
  void SetArchiveHealthy(bool healthy);

  // A service's pool, read at scrape time until RemovePool(id).
  int AddPool(std::string service, std::function<PoolState()> read);
  void RemovePool(int id);

  // The text exposition of every metric (what GET /metrics answers).
  std::string Scrape() const;

  // Starts the HTTP exposer on `address` (HOST:PORT; port 0 picks one).
  // The bound port: port().
  absl::Status Serve(const std::string& address);
  int port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_METRICS_H_
