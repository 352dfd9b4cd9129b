package main

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
)

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		code    int
		printed string
	}{
		{"success", nil, exitOK, ""},
		{"partial run", errPartial, exitPartial, ""},
		{"partial with a count", fmt.Errorf("%w: 3 rows refused", errPartial), exitPartial, ""},
		{"usage", fmt.Errorf("%w: --status: bad", errUsage), exitUsage, "archive: usage: --status: bad\n"},
		{"locked archive, prefix once", fmt.Errorf("open: %w", archive.ErrLocked), exitFatal, "archive: open: archive: another process"},
		{"archive error, prefix once", archive.ErrLocked, exitFatal, "archive: another process holds the archive"},
		{"store failure", errors.New("commit 64 records: disk full"), exitFatal, "archive: commit 64 records: disk full\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := exitCode(tc.err, &stderr); got != tc.code {
				t.Errorf("exit %d, want %d", got, tc.code)
			}
			if !strings.HasPrefix(stderr.String(), tc.printed) || (tc.printed == "") != (stderr.Len() == 0) {
				t.Errorf("printed %q, want %q", stderr.String(), tc.printed)
			}
			if strings.Contains(stderr.String(), "archive: archive:") {
				t.Errorf("the prefix is doubled: %q", stderr.String())
			}
		})
	}
}

// TestUsageErrorsExitTwo: a wrong command line exits 2 whatever is wrong
// with it and whichever command it is, and says so once.
func TestUsageErrorsExitTwo(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	for _, args := range [][]string{
		{"--root", root, "ingest"},                          // too few arguments
		{"--root", root, "show"},                            // too few arguments
		{"--root", root, "stats", "extra"},                  // too many
		{"--root", root, "ingest", "--status", "nope", "x"}, // bad value
		{"--root", root, "list", "--no-such-flag"},          // unknown flag
		{"--root", root, "no-such-command"},                 // unknown command
		{"--root", root, "report"},                          // missing required flag
	} {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			r := runCLI(t, args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", r.code, exitUsage, r.stderr)
			}
			if n := strings.Count(r.stderr, "archive: usage"); n != 1 {
				t.Errorf("stderr says usage %d times: %q", n, r.stderr)
			}
		})
	}
}
