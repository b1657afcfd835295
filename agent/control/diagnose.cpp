#include "agent/control/diagnose.h"

#include "agent/cloud/cloud_requests.h"
#include "agent/control/cupsd_files.h"
#include "agent/platform/system_trust.h"
#include "common/util/error.h"
#include "common/util/text.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace printrelay::agent {
namespace {

using control::Check;
using control::CheckStatus;

Check make(std::string name, std::string title, CheckStatus status, std::string detail,
           std::string hint = {}) {
  return Check{std::move(name), std::move(title), status, std::move(detail), std::move(hint)};
}

std::string openSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) {
    return "unknown error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
struct BioAddrInfoFree {
  void operator()(BIO_ADDRINFO* info) const { BIO_ADDRINFO_free(info); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};

bool isIpLiteral(const std::string& host) {
  return host.find(':') != std::string::npos ||
         host.find_first_not_of("0123456789.") == std::string::npos;
}

std::string hostPort(const CloudAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

Check dnsCheck(const CloudAddress& address) {
  const std::string title = "DNS resolves the cloud host";
  if (isIpLiteral(address.host)) {
    return make("dns", title, CheckStatus::Pass,
                address.host + " is an IP address; no lookup needed");
  }
  BIO_ADDRINFO* raw = nullptr;
  if (BIO_lookup_ex(address.host.c_str(), std::to_string(address.port).c_str(), BIO_LOOKUP_CLIENT,
                    AF_UNSPEC, SOCK_STREAM, 0, &raw) == 0) {
    return make("dns", title, CheckStatus::Fail,
                "cannot resolve " + address.host + ": " + openSslError(),
                "check the network and DNS settings of this PC (resolvectl status), and the "
                "host in cloud_url");
  }
  std::unique_ptr<BIO_ADDRINFO, BioAddrInfoFree> info(raw);
  std::string addresses;
  int count = 0;
  for (const BIO_ADDRINFO* ai = info.get(); ai != nullptr && count < 4;
       ai = BIO_ADDRINFO_next(ai), ++count) {
    char* text = BIO_ADDR_hostname_string(BIO_ADDRINFO_address(ai), 1);
    if (text != nullptr) {
      addresses += (addresses.empty() ? "" : ", ") + std::string(text);
      OPENSSL_free(text);
    }
  }
  return make("dns", title, CheckStatus::Pass, address.host + " → " + addresses);
}

Check tlsCheck(const CloudAddress& address, const Settings& settings, bool reachable,
               std::chrono::seconds timeout) {
  const std::string title = "TLS certificate of the cloud";
  if (address.scheme != "https") {
    return make("tls_certificate", title, CheckStatus::Skip,
                "plain http to a loopback address; there is no certificate to check");
  }
  if (!reachable) {
    return make("tls_certificate", title, CheckStatus::Skip,
                "the cloud could not be reached, so its certificate could not be checked");
  }
  const std::string trust =
      settings.caFile.empty() ? "the system CA store" : "ca_file " + settings.caFile;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return make("tls_certificate", title, CheckStatus::Fail, "OpenSSL: " + openSslError());
  }
  std::string loadError;
  const bool loaded =
      settings.caFile.empty()
          ? loadSystemTrust(ctx.get(), loadError)
          : SSL_CTX_load_verify_locations(ctx.get(), settings.caFile.c_str(), nullptr) == 1;
  if (!loaded) {
    return make("tls_certificate", title, CheckStatus::Fail,
                "cannot load " + trust + ": " + (loadError.empty() ? openSslError() : loadError),
                "ca_file must name a readable PEM bundle, or be empty for the system store");
  }
  // The handshake goes through whatever the certificate is; the verdict is read afterwards so
  // the check can say what is wrong with it.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<BIO, BioFree> bio(BIO_new_ssl_connect(ctx.get()));
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  if (ssl == nullptr) {
    return make("tls_certificate", title, CheckStatus::Fail, "OpenSSL: " + openSslError());
  }
  if (isIpLiteral(address.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, address.host.c_str());
    SSL_set1_host(ssl, address.host.c_str());
  }
  BIO_set_conn_hostname(bio.get(), hostPort(address).c_str());
  BIO_set_nbio(bio.get(), 1);
  if (BIO_do_connect_retry(bio.get(), static_cast<int>(timeout.count()), 100) <= 0) {
    return make("tls_certificate", title, CheckStatus::Fail,
                "TLS handshake with " + hostPort(address) + " failed: " + openSslError(),
                "the cloud must speak TLS on this port; check cloud_url");
  }
  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl));
  if (!cert) {
    return make("tls_certificate", title, CheckStatus::Fail, "the cloud sent no certificate");
  }
  char subject[256] = {};
  X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof subject);
  int days = 0;
  int seconds = 0;
  ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert.get()));
  const long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK) {
    return make("tls_certificate", title, CheckStatus::Fail,
                std::string("the certificate (") + subject + ") does not verify against " + trust +
                    ": " + X509_verify_cert_error_string(verdict),
                verdict == X509_V_ERR_CERT_HAS_EXPIRED
                    ? "the cloud's certificate expired; its operator must renew it"
                    : "set ca_file to the CA that signs the cloud's certificate, or fix the "
                      "cloud's certificate chain / host name");
  }
  const std::string detail = std::string(subject) + ", verified against " + trust +
                             ", expires in " + std::to_string(days) + " day(s)";
  if (days < kCertificateWarnDays) {
    return make("tls_certificate", title, CheckStatus::Warn, detail,
                "the certificate expires soon; tell the cloud's operator");
  }
  return make("tls_certificate", title, CheckStatus::Pass, detail);
}

Check clockCheck(const std::optional<CloudRequests::Health>& health) {
  const std::string title = "Clock matches the cloud";
  if (!health) {
    return make("clock_skew", title, CheckStatus::Skip, "the cloud could not be reached");
  }
  if (!health->serverTime) {
    return make("clock_skew", title, CheckStatus::Skip,
                "the cloud sent no Date header, so the skew cannot be measured",
                "compare the clock by hand: timedatectl (NTP must be active)");
  }
  const std::int64_t skew = unixNow() - *health->serverTime;
  const std::int64_t magnitude = skew < 0 ? -skew : skew;
  const std::string detail = "this PC's clock is " + std::to_string(magnitude) + " s " +
                             (skew >= 0 ? "ahead of" : "behind") + " the cloud";
  const std::string hint = "turn on time synchronisation: timedatectl set-ntp true";
  if (magnitude > kSkewFailSeconds) {
    return make("clock_skew", title, CheckStatus::Fail, detail, hint);
  }
  if (magnitude > kSkewWarnSeconds) {
    return make("clock_skew", title, CheckStatus::Warn, detail, hint);
  }
  return make("clock_skew", title, CheckStatus::Pass, detail);
}

Check credentialCheck(const DiagnoseInput& input, CloudRequests* cloud, bool reachable) {
  const std::string title = "Cloud accepts the device credential";
  if (!input.credential) {
    return make("credential", title, CheckStatus::Skip,
                "the credential could not be read: " + input.credentialProblem,
                "run diagnose as root, or with the agent running");
  }
  if (!reachable || cloud == nullptr) {
    return make("credential", title, CheckStatus::Skip, "the cloud could not be reached");
  }
  try {
    const auto probe = cloud->probeCredential();
    if (probe.accepted) {
      return make("credential", title, CheckStatus::Pass, "accepted (" + probe.route + ")");
    }
    return make("credential", title, CheckStatus::Fail,
                "the cloud refused the device credential (HTTP " + std::to_string(probe.status) +
                    (probe.code.empty() ? "" : " " + probe.code) +
                    "): this agent was revoked or enrolled again elsewhere",
                "get a new enrollment code (printrelay shop enroll-code), then: "
                "PRINTRELAY_ENROLL_CODE=CODE printrelayctl enroll --force; and restart the "
                "agent");
  } catch (const std::exception& e) {
    return make("credential", title, CheckStatus::Fail, e.what());
  }
}

Check linkCheck(const DaemonSnapshot& daemon, std::size_t outbox) {
  const std::string title = "Agent's link to the cloud";
  const std::string since =
      isoTime(daemon.linkSince) + " (" + humanDuration(unixNow() - daemon.linkSince) + ")";
  const std::string contact =
      daemon.lastContact > 0
          ? "last contact " + humanDuration(unixNow() - daemon.lastContact) + " ago"
          : "no contact yet";
  const std::string waiting = std::to_string(outbox) + " status event(s) waiting to be sent";
  switch (daemon.link) {
  case CloudLink::Online:
    return make("cloud_link", title, CheckStatus::Pass,
                "online since " + since + ", " + contact + ", " + waiting);
  case CloudLink::Connecting:
    return make("cloud_link", title, CheckStatus::Pass, "connecting (started " + since + ")");
  case CloudLink::Offline:
    return make("cloud_link", title, CheckStatus::Warn,
                "offline since " + since + ": " + daemon.lastError + "; " + contact + ", " +
                    waiting,
                "jobs wait at the cloud and events in the outbox until the link is back");
  case CloudLink::Refused:
    return make("cloud_link", title, CheckStatus::Fail,
                "the cloud refuses the credential since " + since + ": " + daemon.lastError,
                "enroll again (printrelayctl enroll --force --code CODE)");
  }
  return make("cloud_link", title, CheckStatus::Skip, "unknown");
}

Check diskCheck(const std::string& stateDir) {
  const std::string title = "Disk space for the state directory";
  std::error_code ec;
  std::filesystem::path probe = stateDir;
  while (!probe.empty() && !std::filesystem::exists(probe, ec)) {
    probe = probe.parent_path();
  }
  const auto space = std::filesystem::space(probe.empty() ? "." : probe, ec);
  if (ec) {
    return make("disk_space", title, CheckStatus::Fail,
                "cannot read the free space of " + stateDir + ": " + ec.message());
  }
  const auto mib = [](std::uintmax_t bytes) { return std::to_string(bytes / (1024 * 1024)); };
  const std::string detail =
      mib(space.available) + " MiB free of " + mib(space.capacity) + " MiB at " + probe.string();
  if (space.available < kDiskFailBytes) {
    return make("disk_space", title, CheckStatus::Fail, detail,
                "free disk space: the journal must be able to record every step");
  }
  if (space.available < kDiskWarnBytes) {
    return make("disk_space", title, CheckStatus::Warn, detail, "free some disk space soon");
  }
  return make("disk_space", title, CheckStatus::Pass, detail);
}

} // namespace

CloudAddress parseCloudAddress(const std::string& url) {
  validateBaseUrl(url, true);
  const auto bad = [&](const std::string& why) {
    return Error("config_invalid", "cloud_url '" + url + "': " + why);
  };
  const auto port = [&](const std::string& digits) {
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      throw bad("the port is not a number");
    }
    const int value = std::stoi(digits);
    if (value < 1 || value > 65535) {
      throw bad("the port is not between 1 and 65535");
    }
    return value;
  };
  CloudAddress out;
  const auto colonSlash = url.find("://");
  out.scheme = url.substr(0, colonSlash);
  std::string rest = url.substr(colonSlash + 3);
  out.port = out.scheme == "https" ? 443 : 80;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string::npos || close == 1) {
      throw bad("an IPv6 address needs its closing bracket");
    }
    out.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (rest.starts_with(":")) {
      out.port = port(rest.substr(1));
    } else if (!rest.empty()) {
      throw bad("unexpected text after the host");
    }
    return out;
  }
  if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    out.port = port(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    throw bad("no host");
  }
  out.host = rest;
  return out;
}

Check printerCheck(const PrinterInfo& printer, bool agentsPrinter) {
  const std::string name = "printer:" + printer.name;
  const std::string title =
      "Printer " + printer.name + (agentsPrinter ? " (the agent prints here)" : "");
  const CheckStatus bad = agentsPrinter ? CheckStatus::Fail : CheckStatus::Warn;
  std::vector<std::string> blocking;
  std::vector<std::string> warnings;
  for (const auto& reason : printer.reasons) {
    const std::string text = control::describePrinterReason(reason);
    if (text.empty()) {
      continue;
    }
    (control::reasonSeverity(reason) == "error" ? blocking : warnings).push_back(text);
  }
  std::string detail =
      printer.state + (printer.accepting ? ", accepting jobs" : ", NOT accepting jobs");
  if (!printer.reasons.empty() && !(blocking.empty() && warnings.empty())) {
    detail += "; " + joinedNonEmpty(blocking) + (blocking.empty() || warnings.empty() ? "" : ", ") +
              joinedNonEmpty(warnings);
  }
  if (printer.state == "stopped" || !printer.accepting) {
    return make(name, title, bad, detail,
                "check the printer, then enable it: cupsenable " + printer.name +
                    " && cupsaccept " + printer.name);
  }
  if (!blocking.empty()) {
    return make(name, title, bad, detail, "attend to the printer: " + joinedNonEmpty(blocking));
  }
  if (!warnings.empty()) {
    return make(name, title, CheckStatus::Warn, detail, "soon: " + joinedNonEmpty(warnings));
  }
  return make(name, title, CheckStatus::Pass, detail);
}

std::vector<Check> spoolChecks(const SpoolSafety& safety, bool purgeSpoolerJobs) {
  std::vector<Check> out;
  const std::string keepTitle = "Spooler does not keep printed documents (PreserveJobFiles No)";
  const std::string keepHint =
      "set 'PreserveJobFiles No' in cupsd.conf (cupsctl PreserveJobFiles=No), then restart CUPS";
  if (!safety.keepsDocuments) {
    out.push_back(make("spool_preserve_job_files", keepTitle, CheckStatus::Warn,
                       "cannot read the spooler's setting: " + safety.problem,
                       "check by hand: grep -i PreserveJobFiles /etc/cups/cupsd.conf must say "
                       "No; " +
                           keepHint));
  } else if (*safety.keepsDocuments) {
    const std::string detail = "CUPS keeps each printed document in its spool (" +
                               safety.keepsDocumentsSetting + ", read from " + safety.source + ")";
    out.push_back(purgeSpoolerJobs
                      ? make("spool_preserve_job_files", keepTitle, CheckStatus::Warn,
                             detail + "; the agent purges its own jobs once they end "
                                      "(purge_spooler_jobs), but not after a crash",
                             keepHint)
                      : make("spool_preserve_job_files", keepTitle, CheckStatus::Fail,
                             detail + " and purge_spooler_jobs is off: plaintext stays on disk",
                             keepHint + "; or set purge_spooler_jobs = true"));
  } else {
    out.push_back(make("spool_preserve_job_files", keepTitle, CheckStatus::Pass,
                       safety.keepsDocumentsSetting + " (read from " + safety.source + ")"));
  }
  const std::string tmpfsTitle = "Spool is in memory (tmpfs)";
  if (!safety.spoolOnTmpfs) {
    out.push_back(
        make("spool_tmpfs", tmpfsTitle, CheckStatus::Warn,
             "cannot tell where the spool " + safety.spoolDir + " lives: " + safety.problem,
             "documents wait in the spool while they print; keep it on tmpfs"));
  } else if (!*safety.spoolOnTmpfs) {
    out.push_back(make("spool_tmpfs", tmpfsTitle, CheckStatus::Warn,
                       "the spool " + safety.spoolDir +
                           " is on disk: a document waiting to print is written there in the "
                           "clear",
                       "mount a tmpfs on it (systemd: a var-spool-cups.mount with Type=tmpfs, "
                       "mode 0710, owner root:lp)"));
  } else {
    out.push_back(make("spool_tmpfs", tmpfsTitle, CheckStatus::Pass,
                       "the spool " + safety.spoolDir + " is tmpfs"));
  }
  return out;
}

std::vector<Check> runDiagnostics(const DiagnoseInput& input) {
  std::vector<Check> checks;
  const Settings& settings = input.settings;

  // --- the cloud -------------------------------------------------------------------------
  std::optional<CloudAddress> address;
  try {
    address = parseCloudAddress(settings.cloudUrl);
  } catch (const std::exception& e) {
    checks.push_back(make("cloud_url", "cloud_url is usable", CheckStatus::Fail, e.what(),
                          "set cloud_url = https://host[:port] in the agent configuration"));
  }
  std::optional<CloudRequests::Health> health;
  std::unique_ptr<CloudRequests> cloud;
  if (address) {
    checks.push_back(dnsCheck(*address));
    CloudEndpoint endpoint{.baseUrl = settings.cloudUrl,
                           .caFile = settings.caFile,
                           .connectTimeout = input.connectTimeout,
                           .readTimeout = input.readTimeout};
    cloud = std::make_unique<CloudRequests>(endpoint, input.credential.value_or(""));
    const std::string title = "Cloud reachable";
    try {
      health = cloud->health();
      checks.push_back(
          make("cloud_reachable", title, CheckStatus::Pass,
               settings.cloudUrl + " answered in " + std::to_string(health->latency.count()) +
                   " ms" + (health->version.empty() ? "" : " (cloud " + health->version + ")")));
    } catch (const CloudError& e) {
      checks.push_back(make("cloud_reachable", title, CheckStatus::Fail, e.what(),
                            e.status() == 0
                                ? "check the internet connection, a proxy or firewall, and "
                                  "cloud_url; jobs wait at the cloud meanwhile"
                                : "the cloud answers with an error; tell its operator"));
    }
    checks.push_back(tlsCheck(*address, settings, health.has_value(), input.connectTimeout));
    checks.push_back(clockCheck(health));
    checks.push_back(credentialCheck(input, cloud.get(), health.has_value()));
  }
  if (input.daemon) {
    checks.push_back(linkCheck(*input.daemon, input.outboxPending));
    checks.push_back(
        input.daemon->paused
            ? make("intake", "Agent takes new jobs", CheckStatus::Warn,
                   "intake paused since " + isoTime(input.daemon->pausedSince) +
                       (input.daemon->pausedBy.empty() ? "" : " by " + input.daemon->pausedBy),
                   "printrelayctl resume")
            : make("intake", "Agent takes new jobs", CheckStatus::Pass, "taking jobs"));
  }

  // --- the spooler -----------------------------------------------------------------------
  std::vector<PrinterInfo> printers;
  bool cupsUp = false;
  const std::string where =
      settings.cupsServer.empty() ? "the default CUPS server" : "CUPS at " + settings.cupsServer;
  if (input.backend == nullptr) {
    checks.push_back(make("cups", "CUPS reachable", CheckStatus::Skip, "no spooler backend"));
  } else {
    try {
      printers = input.backend->listPrinters();
      cupsUp = true;
      checks.push_back(
          make("cups", "CUPS reachable", CheckStatus::Pass,
               where + " answers; " + std::to_string(printers.size()) + " destination(s)"));
    } catch (const std::exception& e) {
      checks.push_back(make("cups", "CUPS reachable", CheckStatus::Fail, e.what(),
                            "start CUPS (systemctl start cups) and check cups_server"));
    }
  }
  std::string agentsPrinter;
  if (cupsUp) {
    const std::string title = "The agent's printer exists";
    try {
      agentsPrinter = input.backend->resolvePrinter(settings.printer);
      checks.push_back(
          make("printer", title, CheckStatus::Pass,
               (settings.printer.empty() ? "default destination " : "") + agentsPrinter));
    } catch (const std::exception& e) {
      checks.push_back(make("printer", title, CheckStatus::Fail, e.what(),
                            settings.printer.empty()
                                ? "set a CUPS default destination (lpoptions -d NAME) or "
                                  "'printer' in the agent configuration"
                                : "add the queue '" + settings.printer +
                                      "' to CUPS again (lpadmin -p), or change 'printer' in "
                                      "the agent configuration"));
    }
    for (const auto& printer : printers) {
      checks.push_back(printerCheck(printer, printer.name == agentsPrinter));
    }
  }

  // --- this PC ----------------------------------------------------------------------------
  checks.push_back(diskCheck(settings.stateDir));
  if (input.backend != nullptr) {
    SpoolSafety safety;
    try {
      safety = input.backend->spoolSafety();
    } catch (const std::exception& e) {
      safety.problem = e.what();
    }
    // The spool of the cupsd that really runs (its -s / -c files), not the default one.
    if (const auto cupsd = findRunningCupsd(settings.cupsServer)) {
      if (cupsd->requestRoot != safety.spoolDir) {
        safety.spoolDir = cupsd->requestRoot.string();
        safety.spoolOnTmpfs = onMemoryFilesystem(cupsd->requestRoot);
        if (safety.keepsDocuments) {
          safety.problem = safety.spoolOnTmpfs ? "" : "the mount table is not readable";
        }
      }
    }
    for (auto& check : spoolChecks(safety, settings.purgeSpoolerJobs)) {
      checks.push_back(std::move(check));
    }
  }
  return checks;
}

} // namespace printrelay::agent
