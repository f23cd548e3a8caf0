package deploytest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is one FROM ... section of a multi-stage Dockerfile.
type stage struct {
	image, name string
	body        []instruction
}

// parseDockerfile is just enough of the Dockerfile grammar for these checks:
// comments, line continuations, global ARG defaults in FROM, stages.
func parseDockerfile(src string) []stage {
	var (
		lines   []string
		current strings.Builder
	)
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && current.Len() == 0) {
			continue // Docker drops comment lines, even inside a continuation
		}
		if strings.HasSuffix(trimmed, "\\") {
			current.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		current.WriteString(trimmed)
		lines = append(lines, current.String())
		current.Reset()
	}
	globalArgs := map[string]string{}
	var stages []stage
	for _, l := range lines {
		cmd, args, _ := strings.Cut(l, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		switch {
		case in.cmd == "ARG" && len(stages) == 0:
			k, v, _ := strings.Cut(in.args, "=")
			globalArgs[k] = v
		case in.cmd == "FROM":
			fields := strings.Fields(in.args)
			fields = slices.DeleteFunc(fields, func(f string) bool { return strings.HasPrefix(f, "--") })
			s := stage{image: os.Expand(fields[0], func(k string) string { return globalArgs[k] })}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				s.name = fields[2]
			}
			stages = append(stages, s)
		case len(stages) > 0:
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	return stages
}

func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// aptPackages lists the packages of every `apt-get install` in the RUN args.
func aptPackages(run string) []string {
	var pkgs []string
	for _, part := range strings.FieldsFunc(run, func(r rune) bool { return r == '&' || r == ';' || r == '|' }) {
		fields := strings.Fields(part)
		i := slices.Index(fields, "install")
		if i < 1 || fields[i-1] != "apt-get" {
			continue
		}
		for _, f := range fields[i+1:] {
			if strings.HasPrefix(f, "#") {
				break // a shell comment: the rest of the joined line is not run
			}
			if !strings.HasPrefix(f, "-") {
				pkgs = append(pkgs, f)
			}
		}
	}
	return pkgs
}

// checkDockerfile returns what is wrong with the Dockerfile for escrowd.
func checkDockerfile(src string) []string {
	stages := parseDockerfile(src)
	if len(stages) < 2 {
		return []string{"want a multi-stage build (a Go builder and a runtime stage)"}
	}
	var problems []string
	add := func(s string) { problems = append(problems, s) }

	build := stages[0]
	if !strings.HasPrefix(build.image, "golang:1.26") {
		add("builder image " + build.image + ": want golang:1.26")
	}
	builds := strings.Join(build.all("RUN"), "\n")
	for _, pkg := range []string{"./cmd/escrowd", "./cmd/escrowtrace"} {
		if !strings.Contains(builds, "go build") || !strings.Contains(builds, pkg) {
			add("builder does not go build " + pkg)
		}
	}

	runtime := stages[len(stages)-1]
	if runtime.image != "debian:bookworm-slim" {
		add("runtime image " + runtime.image + ": want debian:bookworm-slim")
	}
	var pkgs []string
	for _, run := range runtime.all("RUN") {
		pkgs = append(pkgs, aptPackages(run)...)
		if strings.Contains(run, "apt-get install") && !strings.Contains(run, "--no-install-recommends") {
			add("apt-get install without --no-install-recommends")
		}
	}
	for _, want := range []string{"monero", "ca-certificates"} {
		if !slices.Contains(pkgs, want) {
			add("runtime stage does not apt-get install " + want)
		}
	}
	if !slices.ContainsFunc(runtime.all("COPY"), func(a string) bool {
		return strings.Contains(a, "--from="+build.name) && strings.Contains(a, "escrowd")
	}) {
		add("runtime stage does not copy escrowd from the builder")
	}
	users := runtime.all("USER")
	if len(users) == 0 || slices.Contains([]string{"root", "0", "root:root", "0:0"}, users[len(users)-1]) {
		add("runtime stage runs as root: want a non-root USER")
	}
	volumes := strings.Join(runtime.all("VOLUME"), " ")
	for _, v := range []string{`"/data"`, `"/traces"`} {
		if !strings.Contains(volumes, v) {
			add("no VOLUME " + v)
		}
	}
	if !slices.ContainsFunc(runtime.all("EXPOSE"), func(a string) bool { return slices.Contains(strings.Fields(a), "8080") }) {
		add("no EXPOSE 8080")
	}
	if !slices.ContainsFunc(runtime.all("ENV"), func(a string) bool { return strings.Contains(a, "ESCROWD_LISTEN=0.0.0.0:8080") }) {
		add("escrowd does not listen on 0.0.0.0:8080 (ENV ESCROWD_LISTEN)")
	}
	return problems
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDockerfile(string(data)) {
		t.Errorf("Dockerfile: %s", p)
	}
}

// TestCheckDockerfileCatches makes sure the check above can fail: each case
// breaks the real Dockerfile in one way and expects that problem.
func TestCheckDockerfileCatches(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	real := string(data)
	tests := []struct {
		name, old, new, want string
	}{
		{"no monero", "monero ca-certificates", "ca-certificates", "runtime stage does not apt-get install monero"},
		{"monero only in a comment", "monero ca-certificates", "ca-certificates # monero", "runtime stage does not apt-get install monero"},
		{"root", "USER escrowd", "USER root", "runtime stage runs as root: want a non-root USER"},
		{"no traces volume", `"/data", "/traces"`, `"/data"`, `no VOLUME "/traces"`},
		{"old go", "golang:1.26-bookworm", "golang:1.25-bookworm", "builder image golang:1.25-bookworm: want golang:1.26"},
		{"loopback listen", "ESCROWD_LISTEN=0.0.0.0:8080", "ESCROWD_LISTEN=127.0.0.1:8080", "escrowd does not listen on 0.0.0.0:8080 (ENV ESCROWD_LISTEN)"},
		{"single stage", "FROM ${RUNTIME_IMAGE} AS runtime", "", "want a multi-stage build (a Go builder and a runtime stage)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(real, tt.old) {
				t.Fatalf("the Dockerfile no longer contains %q: update this case", tt.old)
			}
			got := checkDockerfile(strings.Replace(real, tt.old, tt.new, 1))
			if !slices.Contains(got, tt.want) {
				t.Errorf("problems = %q, want %q among them", got, tt.want)
			}
		})
	}
}
