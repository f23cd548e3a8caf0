package deploytest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/metrics"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// grafanaDashboards is where the grafana service mounts deploy/grafana/dashboards.
const grafanaDashboards = "/var/lib/grafana/dashboards"

func readYAML(t *testing.T, v any, path ...string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{repoRoot(t)}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", filepath.Join(path...), err)
	}
}

// TestComposeMonitoringImagesPinned: Prometheus and Grafana run an exact
// release, never a moving tag.
func TestComposeMonitoringImagesPinned(t *testing.T) {
	p := mustLoadCompose(t)
	release := regexp.MustCompile(`^(prom/prometheus:v|grafana/grafana:)\d+\.\d+\.\d+$`)
	for _, name := range []string{"prometheus", "grafana"} {
		if img := service(t, p, name).Image; !release.MatchString(img) {
			t.Errorf("%s image %q: want an exact release tag", name, img)
		}
	}
}

type promConfig struct {
	ScrapeConfigs []scrapeJob `yaml:"scrape_configs"`
}

type scrapeJob struct {
	JobName       string `yaml:"job_name"`
	MetricsPath   string `yaml:"metrics_path"`
	Authorization struct {
		Type            string `yaml:"type"`
		CredentialsFile string `yaml:"credentials_file"`
	} `yaml:"authorization"`
	StaticConfigs []struct {
		Targets []string `yaml:"targets"`
	} `yaml:"static_configs"`
}

// TestComposePrometheusScrapesEscrowd: the scrape job reaches escrowd's API
// port on the compose network, at /metrics, with the API token that compose
// mounts where the job reads it.
func TestComposePrometheusScrapesEscrowd(t *testing.T) {
	p := mustLoadCompose(t)
	var cfg promConfig
	readYAML(t, &cfg, "deploy", "prometheus", "prometheus.yml")
	i := slices.IndexFunc(cfg.ScrapeConfigs, func(s scrapeJob) bool { return s.JobName == "escrowd" })
	if i < 0 {
		t.Fatal("no escrowd scrape job in deploy/prometheus/prometheus.yml")
	}
	job := cfg.ScrapeConfigs[i]
	if job.MetricsPath != "/metrics" {
		t.Errorf("metrics_path %q, want /metrics", job.MetricsPath)
	}
	escrowd := service(t, p, "escrowd")
	if len(job.StaticConfigs) != 1 || !slices.Equal(job.StaticConfigs[0].Targets, []string{"escrowd:" + escrowd.Ports[0].Published}) {
		t.Errorf("targets %+v, want escrowd:%s (the escrowd service's API port)", job.StaticConfigs, escrowd.Ports[0].Published)
	}
	prom := service(t, p, "prometheus")
	if job.Authorization.Type != "Bearer" || job.Authorization.CredentialsFile == "" {
		t.Fatalf("authorization %+v, want Bearer from a credentials file", job.Authorization)
	}
	j := slices.IndexFunc(prom.Configs, func(c types.ServiceConfigObjConfig) bool { return c.Target == job.Authorization.CredentialsFile })
	if j < 0 {
		t.Fatalf("prometheus mounts no config at %s (configs %+v)", job.Authorization.CredentialsFile, prom.Configs)
	}
	c, ok := p.Configs[prom.Configs[j].Source]
	if !ok || c.Content != "test-token-not-secret" {
		t.Errorf("config %s = %+v, want the content of ESCROWD_API_TOKEN", prom.Configs[j].Source, c)
	}
}

// TestGrafanaProvisioning: the data source is the prometheus service under
// the uid the dashboard names, and the dashboards provider reads the
// directory compose mounts.
func TestGrafanaProvisioning(t *testing.T) {
	var ds struct {
		Datasources []struct {
			UID, Type, URL string
		} `yaml:"datasources"`
	}
	readYAML(t, &ds, "deploy", "grafana", "provisioning", "datasources", "prometheus.yaml")
	if len(ds.Datasources) != 1 || ds.Datasources[0].URL != "http://prometheus:9090" || ds.Datasources[0].Type != "prometheus" {
		t.Fatalf("data sources %+v, want the prometheus service", ds.Datasources)
	}
	var dp struct {
		Providers []struct {
			Options struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, &dp, "deploy", "grafana", "provisioning", "dashboards", "escrowd.yaml")
	if len(dp.Providers) != 1 || dp.Providers[0].Options.Path != grafanaDashboards {
		t.Fatalf("dashboard providers %+v, want one reading %s", dp.Providers, grafanaDashboards)
	}
	d := loadDashboard(t)
	for _, p := range d.Panels {
		if p.Datasource.UID != ds.Datasources[0].UID {
			t.Errorf("panel %q: data source %q, want %q", p.Title, p.Datasource.UID, ds.Datasources[0].UID)
		}
	}
}

type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "grafana", "dashboards", "escrowd.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("escrowd.json: %v", err)
	}
	return d
}

// TestDashboardMetricsExist: every metric and label the dashboard queries
// is one that escrowd's /metrics really serves. The metrics are recorded
// through pkg/metrics (one of each, with failures) and scraped.
func TestDashboardMetricsExist(t *testing.T) {
	served := scrapeAll(t)
	queried := 0
	for _, p := range loadDashboard(t).Panels {
		for _, tg := range p.Targets {
			queried += served.check(t, "panel "+strconv.Quote(p.Title), tg.Expr)
		}
	}
	if queried < 12 {
		t.Fatalf("the dashboard queries %d metrics: too few to show escrowd", queried)
	}
}

type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string            `yaml:"alert"`
			Expr   string            `yaml:"expr"`
			For    string            `yaml:"for"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestPrometheusAlertRules: Prometheus loads deploy/prometheus/alerts.yml
// (its rule_files names the path compose mounts it at), and every alert
// queries metrics and labels escrowd serves; the stuck payout has its alert.
func TestPrometheusAlertRules(t *testing.T) {
	var cfg struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	readYAML(t, &cfg, "deploy", "prometheus", "prometheus.yml")
	p := mustLoadCompose(t)
	mounted := map[string]string{} // container path -> source under the repository
	for _, v := range service(t, p, "prometheus").Volumes {
		if v.Type == types.VolumeTypeBind {
			rel, err := filepath.Rel(repoRoot(t), v.Source)
			if err != nil {
				t.Fatal(err)
			}
			mounted[v.Target] = rel
		}
	}
	if len(cfg.RuleFiles) != 1 || mounted[cfg.RuleFiles[0]] != filepath.Join("deploy", "prometheus", "alerts.yml") {
		t.Fatalf("rule_files %q, prometheus mounts %v: want deploy/prometheus/alerts.yml mounted where rule_files reads it", cfg.RuleFiles, mounted)
	}
	var rules alertRules
	readYAML(t, &rules, "deploy", "prometheus", "alerts.yml")
	served := scrapeAll(t)
	alerts := map[string]string{} // name -> expr
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Labels["severity"] == "" {
				t.Errorf("group %s: rule %+v: want an alert name and a severity", g.Name, r)
			}
			if _, err := model.ParseDuration(r.For); err != nil {
				t.Errorf("alert %s: for %q: %v", r.Alert, r.For, err)
			}
			if served.check(t, "alert "+r.Alert, r.Expr) == 0 {
				t.Errorf("alert %s queries no metric of escrowd's: %s", r.Alert, r.Expr)
			}
			alerts[r.Alert] = r.Expr
		}
	}
	if !strings.Contains(alerts["EscrowPayoutStuck"], metricsPayoutAge) {
		t.Errorf("alerts %v: want EscrowPayoutStuck on %s", alerts, metricsPayoutAge)
	}
}

// metricsPayoutAge is the Prometheus name of metrics.MetricPayoutInFlightAge.
const metricsPayoutAge = "escrowd_payout_in_flight_age_seconds"

// servedMetrics is what escrowd's /metrics serves: families and their labels.
type servedMetrics struct {
	fams   map[string]*dto.MetricFamily
	labels map[string]map[string]bool
}

// scrapeAll records one of each of escrowd's metrics through pkg/metrics
// (with failures) and scrapes /metrics.
func scrapeAll(t *testing.T) servedMetrics {
	t.Helper()
	ctx := context.Background()
	rec, err := metrics.Setup(ctx, metrics.Config{Enabled: true, Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Shutdown(ctx)
	rec.EscrowEnded(ctx, escrow.PhaseSetup, multisig.ModeLeased, time.Second, nil)
	rec.EscrowEnded(ctx, escrow.PhaseSetup, multisig.ModeShared, time.Second, walletrpc.ErrAlreadyMultisig)
	rec.EscrowEnded(ctx, escrow.PhaseRelease, multisig.ModeLeased, time.Second, nil)
	rec.LeaseWaited(ctx, multisig.ModeLeased, time.Millisecond)
	if err := rec.ObservePool(func() walletpool.PoolStats { return walletpool.PoolStats{Servers: 3, Healthy: 3} }); err != nil {
		t.Fatal(err)
	}
	if err := rec.ObserveReserve(func() multisig.ReserveStats { return multisig.ReserveStats{Hits: 1} }); err != nil {
		t.Fatal(err)
	}
	if err := rec.ObserveEscrows(func(context.Context) (metrics.Census, error) {
		return metrics.Census{ByStatus: map[string]int{"funded": 1, "paying_out": 1}, OldestPayoutAge: time.Minute}, nil
	}); err != nil {
		t.Fatal(err)
	}
	call := rec.Middleware()(func(context.Context, *walletrpc.Call) error { return errors.New("refused") })
	_ = call(ctx, &walletrpc.Call{Method: "is_multisig"})

	w := httptest.NewRecorder()
	rec.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{}
	for name, f := range fams {
		labels[name] = map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[name][l.GetName()] = true
			}
		}
	}
	return servedMetrics{fams: fams, labels: labels}
}

var (
	metricName = regexp.MustCompile(`\b(escrowd_[a-z_]+|rpc_client_call_duration_seconds[a-z_]*)`)
	selector   = regexp.MustCompile(`\{([^}]*)\}`)
	labelUse   = regexp.MustCompile(`([a-z_]+)\s*(=~|!=|!~|=)`)
	byClause   = regexp.MustCompile(`by \(([^)]*)\)`)
)

// check reports (as errors of where) the metrics and labels expr queries
// that escrowd does not serve, and returns how many metrics it queries.
func (s servedMetrics) check(t *testing.T, where, expr string) int {
	t.Helper()
	queried := 0
	// Metric names, outside selectors and by clauses (where labels are).
	bare := byClause.ReplaceAllString(selector.ReplaceAllString(expr, ""), "")
	for _, m := range metricName.FindAllString(bare, -1) {
		fam := m
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(m, suffix); ok && s.fams[base] != nil {
				fam = base
			}
		}
		if s.fams[fam] == nil {
			t.Errorf("%s queries %s, which /metrics does not serve", where, m)
			continue
		}
		queried++
		var used []string
		for _, sel := range selector.FindAllStringSubmatch(expr, -1) {
			for _, l := range labelUse.FindAllStringSubmatch(sel[1], -1) {
				used = append(used, l[1])
			}
		}
		for _, by := range byClause.FindAllStringSubmatch(expr, -1) {
			for _, l := range strings.Split(by[1], ",") {
				if l = strings.TrimSpace(l); l != "le" {
					used = append(used, l)
				}
			}
		}
		for _, l := range used {
			if !labelOfAny(s.labels, l) {
				t.Errorf("%s uses label %s, which no served metric has", where, l)
			}
		}
	}
	return queried
}

func labelOfAny(labels map[string]map[string]bool, l string) bool {
	for _, ls := range labels {
		if ls[l] {
			return true
		}
	}
	return false
}

// TestCollectorTailSampling: the Collector config shipped as the
// alternative to escrowd's own sampling keeps every trace with an error and
// samples the rest, in the traces pipeline.
func TestCollectorTailSampling(t *testing.T) {
	var cfg struct {
		Processors struct {
			TailSampling struct {
				DecisionWait string `yaml:"decision_wait"`
				Policies     []struct {
					Type       string `yaml:"type"`
					StatusCode struct {
						StatusCodes []string `yaml:"status_codes"`
					} `yaml:"status_code"`
					Probabilistic struct {
						SamplingPercentage float64 `yaml:"sampling_percentage"`
					} `yaml:"probabilistic"`
				} `yaml:"policies"`
			} `yaml:"tail_sampling"`
		} `yaml:"processors"`
		Service struct {
			Pipelines struct {
				Traces struct {
					Processors []string `yaml:"processors"`
				} `yaml:"traces"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	readYAML(t, &cfg, "deploy", "otel-collector", "config.yaml")
	if !slices.Contains(cfg.Service.Pipelines.Traces.Processors, "tail_sampling") {
		t.Fatalf("traces pipeline processors %v: no tail_sampling", cfg.Service.Pipelines.Traces.Processors)
	}
	wait, err := time.ParseDuration(cfg.Processors.TailSampling.DecisionWait)
	if err != nil || wait < time.Minute {
		t.Errorf("decision_wait %q: want at least a minute (an escrow setup's length)", cfg.Processors.TailSampling.DecisionWait)
	}
	errorsKept, sampled := false, false
	for _, p := range cfg.Processors.TailSampling.Policies {
		switch p.Type {
		case "status_code":
			errorsKept = errorsKept || slices.Contains(p.StatusCode.StatusCodes, "ERROR")
		case "probabilistic":
			sampled = p.Probabilistic.SamplingPercentage > 0 && p.Probabilistic.SamplingPercentage < 100
		}
	}
	if !errorsKept || !sampled {
		t.Errorf("policies %+v: want errors kept (status_code ERROR) and the rest sampled (probabilistic)", cfg.Processors.TailSampling.Policies)
	}
}
