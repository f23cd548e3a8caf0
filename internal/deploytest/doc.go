// Package deploytest checks the deployment files at the repository root
// against each other and against what escrowd needs: docker-compose.yml
// (loaded with compose-go, as docker compose would), the Dockerfile, and the
// Jaeger config of local runs (deploy/jaeger/config.yaml).
//
// These files are not Go, so nothing else would notice when one of them drifts:
// a Jaeger image that no longer matches the version pinned in
// deploy/jaeger/go.mod, a port published on all interfaces, an escrowd that no
// longer exports to the jaeger service. The package has no code of its own
// besides the version mapping in version.go; the checks are its tests.
package deploytest
