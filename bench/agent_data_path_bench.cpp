// The agent's data path, as JobProcessor runs it: a sealed document downloaded from a local
// HTTP server (plain HTTP on loopback, cpp-httplib as the cloud serves it), opened into memory
// (downloadDocument) and handed to a spooler sink (sendDocument; the sink only counts). Prints
// MB/s (median of the runs, 1 MB = 10^6 bytes) and the process's peak RSS. No assertions.
//
//   agent_data_path_bench [--mib N] [--runs R] [--baseline]
//
// --baseline runs the path as it was before bulk appends: plaintext inserted into the wiping
// buffer with vector::insert (one byte at a time through the allocator) and 64 KiB spooler
// writes. The HTTP receive buffer is a build setting (CPPHTTPLIB_RECV_BUFSIZ), not switched here.
#include "agent/cloud/cloud_client.h"
#include "agent/jobs/document_transfer.h"
#include "bench/bench_support.h"
#include "common/crypto/envelope.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <httplib.h>
#include <string>
#include <thread>
#include <vector>

using namespace printrelay;
using namespace printrelay::agent;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::vector<std::uint8_t> randomDocument(std::size_t size) {
  std::vector<std::uint8_t> out(size);
  bench::fillRandom(out);
  return out;
}

/// A spooler that takes every byte and keeps none (what cupsd does with them is not measured).
class CountingSink : public DocumentWriter {
public:
  void write(std::span<const std::uint8_t> data) override {
    bytes_ += data.size();
    check_ ^= data.front() ^ data.back();
  }
  void finish() override {}
  void abort() noexcept override {}
  std::size_t bytes() const { return bytes_; }

private:
  std::size_t bytes_ = 0;
  std::uint8_t check_ = 0;
};

/// The data path before bulk appends (see --baseline).
SecureBytes baselineDownload(CloudClient& cloud, const protocol::JobOffer& offer,
                             const hpke::KeyPair& key) {
  SecureBytes plaintext;
  plaintext.reserve(offer.envelopeSize);
  envelope::Opener opener(
      key, offer.orderId,
      [&plaintext](std::span<const std::uint8_t> chunk) {
        plaintext.insert(plaintext.end(), chunk.begin(), chunk.end());
        return true;
      },
      offer.envelopeSize);
  cloud.fetchDocument(offer.jobId, offer.leaseId, [&](std::span<const std::uint8_t> sealed) {
    opener.write(sealed);
    return true;
  });
  opener.finish();
  return plaintext;
}

void baselineSend(std::span<const std::uint8_t> document, DocumentWriter& writer) {
  while (!document.empty()) {
    const std::size_t n = std::min<std::size_t>(document.size(), 64 * 1024);
    writer.write(document.first(n));
    document = document.subspan(n);
  }
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  std::size_t mib = 256;
  int runs = 5;
  bool baseline = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mib" && i + 1 < argc) {
      mib = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--baseline") {
      baseline = true;
    } else {
      std::fprintf(stderr, "usage: %s [--mib N] [--runs R] [--baseline]\n", argv[0]);
      return 2;
    }
  }

  const auto key = hpke::KeyPair::generate();
  const std::string orderId = "order-bench";
  std::string sealed;
  {
    const auto document = randomDocument(mib * kMiB);
    envelope::Sealer sealer(key.publicKey(), orderId, [&](std::span<const std::uint8_t> bytes) {
      sealed.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return true;
    });
    sealer.write(document);
    sealer.finish();
  }
  const long rssBefore = bench::peakRssKiB();

  httplib::Server server;
  server.Get(R"(/api/v1/agent/jobs/([^/]+)/document)", [&](const httplib::Request&,
                                                           httplib::Response& res) {
    res.set_content_provider(sealed.size(), "application/vnd.printrelay.envelope",
                             [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               return sink.write(sealed.data() + offset, std::min(length, kMiB));
                             });
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  CloudEndpoint endpoint;
  endpoint.baseUrl = "http://127.0.0.1:" + std::to_string(port);
  CloudClient cloud(endpoint, "bench-credential");
  protocol::JobOffer offer;
  offer.jobId = "job-bench";
  offer.orderId = orderId;
  offer.leaseId = "lease-bench";
  offer.envelopeSize = sealed.size();

  std::vector<double> total;
  std::vector<double> download;
  const auto keepGoing = [] { return true; };
  for (int run = 0; run < runs; ++run) {
    CountingSink sink;
    const auto start = std::chrono::steady_clock::now();
    SecureBytes plaintext = baseline
                                ? baselineDownload(cloud, offer, key)
                                : downloadDocument(cloud, offer, key, sealed.size(), keepGoing);
    const auto opened = std::chrono::steady_clock::now();
    if (baseline) {
      baselineSend(plaintext, sink);
    } else {
      sendDocument(plaintext, sink, keepGoing);
    }
    wipe(plaintext);
    const auto end = std::chrono::steady_clock::now();
    const double mb = static_cast<double>(sink.bytes()) / 1e6;
    total.push_back(mb / std::chrono::duration<double>(end - start).count());
    download.push_back(mb / std::chrono::duration<double>(opened - start).count());
    std::printf("run %d: %.0f MB/s download->open->sink (%.0f MB/s download->open)\n", run + 1,
                total.back(), download.back());
  }
  server.stop();
  thread.join();
  std::printf("%s, %zu MiB document, %d runs: median %.0f MB/s download->open->sink, "
              "%.0f MB/s download->open\n",
              baseline ? "baseline (insert, 64 KiB writes)" : "bulk append, 1 MiB writes", mib,
              runs, median(total), median(download));
  std::printf("peak RSS %.0f MiB (%.0f MiB before the runs: the sealed copy the server holds)\n",
              static_cast<double>(bench::peakRssKiB()) / 1024.0,
              static_cast<double>(rssBefore) / 1024.0);
  return 0;
}
