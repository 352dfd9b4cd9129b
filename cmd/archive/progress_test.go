package main

import (
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Second)
	b := &progressBar{label: "ingest"}
	for _, tc := range []struct {
		name string
		p    archive.Progress
		want []string
	}{
		{"total still counted", archive.Progress{FilesDone: 3, BytesDone: 30 << 20, Started: start},
			[]string{"ingest 3 files", "30.0 MiB", "3.0 MiB/s", "(counting…)"}},
		{"total known", archive.Progress{FilesDone: 3, FilesTotal: 6, BytesDone: 30 << 20, BytesTotal: 60 << 20, Started: start},
			[]string{" 50% 3/6 files", "30.0 MiB/60.0 MiB", "ETA 0:10"}},
		{"done", archive.Progress{FilesDone: 6, FilesTotal: 6, BytesDone: 60 << 20, BytesTotal: 60 << 20, Started: start},
			[]string{"100% 6/6 files", "ETA 0:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := b.line(tc.p, now)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}
