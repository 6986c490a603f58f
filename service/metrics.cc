#include "service/metrics.h"

#include <map>
#include <tuple>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace pp::service {

namespace {

// Render and queue times: 0.5 ms .. 30 s.
prometheus::Histogram::BucketBoundaries SecondsBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

// The pool gauges, filled in when scraped.
class PoolGauges : public prometheus::Collectable {
 public:
  int Add(std::string service, std::function<PoolState()> read) {
    absl::MutexLock lock(&mu_);
    pools_[next_] = {std::move(service), std::move(read)};
    return next_++;
  }
  void Remove(int id) {
    absl::MutexLock lock(&mu_);
    pools_.erase(id);
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    struct Def {
      const char* name;
      const char* help;
      int PoolState::*field;
    };
    static const Def kDefs[] = {
        {"panelpaper_calls_in_flight", "Calls admitted and not yet ended.", &PoolState::in_flight},
        {"panelpaper_calls_queued", "Calls waiting for a worker.", &PoolState::queued},
        {"panelpaper_workers_busy", "Workers running a call.", &PoolState::busy},
        {"panelpaper_workers", "Worker threads.", &PoolState::workers},
    };
    std::vector<std::pair<std::string, PoolState>> states;
    for (const auto& [id, pool] : pools_) states.emplace_back(pool.first, pool.second());
    std::vector<prometheus::MetricFamily> out;
    for (const Def& d : kDefs) {
      prometheus::MetricFamily f;
      f.name = d.name;
      f.help = d.help;
      f.type = prometheus::MetricType::Gauge;
      for (const auto& [service, state] : states) {
        prometheus::ClientMetric m;
        m.label.push_back({"service", service});
        m.gauge.value = state.*(d.field);
        f.metric.push_back(std::move(m));
      }
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  int next_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, std::pair<std::string, std::function<PoolState()>>> pools_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<PoolGauges> pools = std::make_shared<PoolGauges>();
  prometheus::Family<prometheus::Counter>& calls =
      prometheus::BuildCounter()
          .Name("panelpaper_calls_total")
          .Help("Calls ended, by service, method, status code and outcome.")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& render =
      prometheus::BuildHistogram()
          .Name("panelpaper_render_seconds")
          .Help("Validation and rendering time of calls that rendered.")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& queue =
      prometheus::BuildHistogram()
          .Name("panelpaper_queue_wait_seconds")
          .Help("Time from admission until a worker took the call.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& pages =
      prometheus::BuildCounter()
          .Name("panelpaper_pages_total")
          .Help("Pages of the PDFs sent.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& bytes =
      prometheus::BuildCounter()
          .Name("panelpaper_response_bytes_total")
          .Help("Response bytes sent.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& verdicts =
      prometheus::BuildCounter()
          .Name("panelpaper_archive_verify_total")
          .Help("VerifyArchivedPaper verdicts: ok, not_comparable, mismatch, damaged.")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& store_check =
      prometheus::BuildGauge()
          .Name("panelpaper_archive_store_check_findings")
          .Help("What the archive store's start-up check found, by kind.")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& archive_healthy =
      prometheus::BuildGauge()
          .Name("panelpaper_archive_index_healthy")
          .Help("1 while the archive index is healthy (health SERVING), 0 once found corrupt.")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& build =
      prometheus::BuildGauge()
          .Name("panelpaper_build_info")
          .Help("The server's version and renderer identity (always 1).")
          .Register(*registry);

  // The metrics of one (service, method), created once: Family::Add locks
  // and hashes the labels, so a call looks its metrics up here.
  struct PerMethod {
    prometheus::Histogram* render;
    prometheus::Histogram* queue;
    prometheus::Counter* pages;
    prometheus::Counter* bytes;
  };
  absl::Mutex mu;
  std::map<std::pair<std::string, std::string>, PerMethod> methods ABSL_GUARDED_BY(mu);
  std::map<std::tuple<std::string, std::string, std::string, std::string>, prometheus::Counter*>
      call_counters ABSL_GUARDED_BY(mu);
};

Metrics::Metrics(std::string version, std::string renderer_identity) : impl_(std::make_shared<Impl>()) {
  impl_->build.Add({{"version", std::move(version)}, {"renderer_identity", std::move(renderer_identity)}})
      .Set(1);
}

Metrics::~Metrics() = default;

void Metrics::Observe(const CallSample& s) {
  prometheus::Counter* calls;
  Impl::PerMethod* per;
  {
    absl::MutexLock lock(&impl_->mu);
    auto key = std::make_tuple(std::string(s.service), std::string(s.method), std::string(s.code),
                               std::string(s.outcome));
    auto it = impl_->call_counters.find(key);
    if (it == impl_->call_counters.end()) {
      prometheus::Counter& c = impl_->calls.Add({{"service", std::get<0>(key)},
                                                  {"method", std::get<1>(key)},
                                                  {"code", std::get<2>(key)},
                                                  {"outcome", std::get<3>(key)}});
      it = impl_->call_counters.emplace(std::move(key), &c).first;
    }
    calls = it->second;
    auto mkey = std::make_pair(std::string(s.service), std::string(s.method));
    auto mit = impl_->methods.find(mkey);
    if (mit == impl_->methods.end()) {
      const prometheus::Labels labels{{"service", mkey.first}, {"method", mkey.second}};
      Impl::PerMethod p{&impl_->render.Add(labels, SecondsBuckets()),
                        &impl_->queue.Add(labels, SecondsBuckets()), &impl_->pages.Add(labels),
                        &impl_->bytes.Add(labels)};
      mit = impl_->methods.emplace(std::move(mkey), p).first;
    }
    per = &mit->second;
  }
  // prometheus-cpp's metrics are thread-safe on their own.
  calls->Increment();
  per->queue->Observe(s.queue_seconds);
  if (s.render_seconds > 0) per->render->Observe(s.render_seconds);
  if (s.pages > 0) per->pages->Increment(s.pages);
  if (s.bytes_out > 0) per->bytes->Increment(static_cast<double>(s.bytes_out));
}

void Metrics::ObserveVerdict(std::string_view verdict) {
  // Family::Add returns the existing metric for labels it has seen.
  impl_->verdicts.Add({{"verdict", std::string(verdict)}}).Increment();
}

void Metrics::SetStoreCheckFinding(std::string_view kind, double count) {
  impl_->store_check.Add({{"kind", std::string(kind)}}).Set(count);
}

void Metrics::SetArchiveHealthy(bool healthy) { impl_->archive_healthy.Add({}).Set(healthy ? 1 : 0); }

int Metrics::AddPool(std::string service, std::function<PoolState()> read) {
  return impl_->pools->Add(std::move(service), std::move(read));
}

void Metrics::RemovePool(int id) { impl_->pools->Remove(id); }

std::string Metrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
  for (auto& f : impl_->pools->Collect()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

absl::Status Metrics::Serve(const std::string& address) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  exposer_->RegisterCollectable(impl_->registry);
  exposer_->RegisterCollectable(impl_->pools);
  return absl::OkStatus();
}

int Metrics::port() const {
  if (exposer_ == nullptr) return 0;
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

}  // namespace pp::service
