// Package deploytest checks the deployment files at the repository root
// against each other and against what escrowd needs: docker-compose.yml
// (loaded with compose-go, as docker compose would), the Dockerfile, the
// Jaeger config of local runs (deploy/jaeger/config.yaml), the Prometheus
// scrape config, Grafana's provisioning and dashboard (whose queries must
// name metrics that escrowd's /metrics really serves), and the Collector
// tail-sampling config (deploy/otel-collector).
//
// These files are not Go, so nothing else would notice when one of them drifts:
// a Jaeger image that no longer matches the version pinned in
// deploy/jaeger/go.mod, a port published on all interfaces, an escrowd that no
// longer exports to the jaeger service. The package has no code of its own
// besides the version mapping in version.go; the checks are its tests.
package deploytest
