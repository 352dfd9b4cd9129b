package main

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive/curation"
)

// TestHelpTextsStartCapitalised: every command's short and long help
// starts with a capital letter.
func TestHelpTextsStartCapitalised(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		t.Run(c.CommandPath(), func(t *testing.T) {
			for what, text := range map[string]string{"short": c.Short, "long": c.Long} {
				if r, _ := utf8.DecodeRuneInString(text); text != "" && !unicode.IsUpper(r) {
					t.Errorf("%s help starts in lower case: %.40q", what, text)
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand(&globalOptions{}))
}

// TestIngestHelpListsEveryColumn: ingest --help names every metadata.csv
// column, the five languages' texts among them.
func TestIngestHelpListsEveryColumn(t *testing.T) {
	r := runCLI(t, "ingest", "--help")
	help := strings.Join(strings.Fields(r.stdout), " ")
	for _, col := range curation.MetadataColumns() {
		t.Run(col, func(t *testing.T) {
			if !strings.Contains(help, " "+col+",") && !strings.Contains(help, " "+col+";") {
				t.Errorf("ingest --help does not list the column %s", col)
			}
		})
	}
}

// TestServeFlagTypes: serve's numeric and duration settings are flags of
// their types, and a malformed value is a usage error.
func TestServeFlagTypes(t *testing.T) {
	r := runCLI(t, "serve", "--help")
	help := strings.Join(strings.Fields(r.stdout), " ")
	for _, want := range []string{"--rate-anon float", "--burst-anon int", "--max-upload bytes", "--read-timeout duration",
		"--search-cache int", "--addr string", "--cors-origins strings"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(help, want) {
				t.Errorf("serve --help lacks %q", want)
			}
		})
	}
	for _, args := range [][]string{{"--burst-anon", "many"}, {"--read-timeout", "30"}, {"--max-upload", "2T"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if r := runCLI(t, append([]string{"--root", t.TempDir(), "serve"}, args...)...); r.code != exitUsage {
				t.Errorf("exit %d, want %d (usage)\n%s", r.code, exitUsage, r.stderr)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 rows", 1: "1 row", 2: "2 rows"} {
		t.Run(want, func(t *testing.T) {
			if got := plural(n, "row"); got != want {
				t.Errorf("plural(%d) = %q", n, got)
			}
		})
	}
}

// TestSearchSummaryLine: a search with no results says so, not "0–0 of 0".
func TestSearchSummaryLine(t *testing.T) {
	root, _ := ingestOne(t)
	r := runCLI(t, "--root", root, "search", "--no-server", "khongcogi")
	if r.code != exitOK || !strings.Contains(r.stdout, "no results") || strings.Contains(r.stdout, "0–0") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "--root", root, "search", "--no-server", "--page", "5")
	if !strings.Contains(r.stdout, "page 5 is past the last result: 1 result") {
		t.Errorf("past the last page:\n%s%s", r.stdout, r.stderr)
	}
}
