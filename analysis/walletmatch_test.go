package analysis_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// walletFragments are pieces of monero-wallet-rpc's error messages
// (shared/FACTS.md), lower case. Matching them is walletrpc's job alone: every
// other package switches on the kind walletrpc names.
var walletFragments = []string{
	"already multisig", "already finalized", "not multisig", "not yet finalized", "multisig is disabled",
	"more participants", "kex round", "recommendations", "kex msg", "duplicate signers", "invalid threshold",
	"failed to open wallet", "invalid filename", "no wallet file", "stale data", "fully signed",
	"import is needed", "not enough money", "no transaction",
}

// walletMatches lists the places in one Go file that match a wallet message
// fragment: a string literal given to a strings, bytes or regexp function,
// compared with == or != or in a switch case, or kept in a table (a composite
// literal, a const or var). Text the code only prints (messages, causes) is
// no match.
func walletMatches(fset *token.FileSet, file *ast.File) []string {
	var out []string
	check := func(e ast.Expr) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return
		}
		s = strings.ToLower(s)
		for _, f := range walletFragments {
			if strings.Contains(s, f) {
				out = append(out, fset.Position(lit.Pos()).String()+": "+lit.Value)
				return
			}
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "strings" || pkg.Name == "bytes" || pkg.Name == "regexp") {
					for _, a := range n.Args {
						check(a)
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				check(n.X)
				check(n.Y)
			}
		case *ast.CaseClause:
			for _, e := range n.List {
				check(e)
			}
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					check(kv.Key)
					check(kv.Value)
					continue
				}
				check(e)
			}
		case *ast.ValueSpec:
			for _, v := range n.Values {
				check(v)
			}
		}
		return true
	})
	return out
}

func walletMatchesIn(t *testing.T, name, src string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return walletMatches(fset, f)
}

// No Go code outside pkg/multisig/walletrpc matches wallet error messages
// (tests are free to spell them, as fixtures).
func TestNoWalletMessageMatchingOutsideWalletRPC(t *testing.T) {
	root := filepath.Join("..")
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "vendor":
				return filepath.SkipDir
			}
			if filepath.ToSlash(p) == "../pkg/multisig/walletrpc" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		found = append(found, walletMatches(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range found {
		t.Errorf("wallet message matched outside walletrpc (switch on walletrpc.KindOf / KindOfAnswer): %s", m)
	}
}

// The check finds the ways code matches messages, and lets printed text be.
func TestWalletMatchesFindsMatching(t *testing.T) {
	tests := []struct {
		name, src string
		want      int
	}{
		{"contains", `package p; import "strings"; func f(m string) bool { return strings.Contains(m, "already multisig") }`, 1},
		{"lower case compare", `package p; func f(m string) bool { return m == "Failed to open wallet" }`, 1},
		{"switch", `package p; func f(m string) int { switch m { case "This wallet is not multisig": return 1 }; return 0 }`, 1},
		{"table", `package p; var kex = []string{"unexpected number of recommendations", "kex msg decoding error"}`, 2},
		{"const", `package p; const staleMsg = "stale data"`, 1},
		{"regexp", `package p; import "regexp"; var re = regexp.MustCompile("(?i)kex round")`, 1},
		{"printed text", `package p; import "fmt"; func f(r string) string { return fmt.Sprintf("%s answered already multisig", r) }`, 0},
		{"returned advice", `package p; func f() string { return "the wallet was already multisig" }`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := walletMatchesIn(t, "p.go", tt.src); len(got) != tt.want {
				t.Errorf("%d matches %v, want %d", len(got), got, tt.want)
			}
		})
	}
}

// walletrpc, the one place allowed to match, is found matching: the check
// sees the real thing.
func TestWalletMatchesSeesWalletRPC(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "pkg", "multisig", "walletrpc", "errors.go"), nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	if got := walletMatches(fset, f); len(got) < 5 {
		t.Errorf("walletrpc/errors.go: %d matches %v, want its message table and checks", len(got), got)
	}
}
