//! Prometheus metrics: request counts and latencies by route, traces in
//! flight and cancelled, open connections, documents in the index.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RouteLabels {
    pub route: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to 30 s.
    Histogram::new([
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
    ])
}

/// The registry and the metrics the handlers update.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub traces_in_flight: Gauge,
    pub traces_cancelled: Counter,
    pub connections: Gauge,
    pub documents: Gauge,
    pub passages: Counter,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tessera");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let traces_in_flight = Gauge::default();
        let traces_cancelled = Counter::default();
        let connections = Gauge::default();
        let documents = Gauge::default();
        let passages = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "traces_in_flight",
            "Traces running now",
            traces_in_flight.clone(),
        );
        registry.register(
            "traces_cancelled",
            "Traces stopped at their deadline (the request got a 504)",
            traces_cancelled.clone(),
        );
        registry.register(
            "http_connections",
            "Open HTTP connections",
            connections.clone(),
        );
        registry.register(
            "index_documents",
            "Live documents in the served index",
            documents.clone(),
        );
        registry.register(
            "passages_reported",
            "Passages returned by traces",
            passages.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            traces_in_flight,
            traces_cancelled,
            connections,
            documents,
            passages,
        }
    }

    /// The OpenMetrics text exposition.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
