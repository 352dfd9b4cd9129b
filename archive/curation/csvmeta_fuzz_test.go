package curation

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/haiduong/promo-archive/archive"
)

// FuzzParseMetadataCSV feeds curator CSV files of any shape to the parser:
// it must return rows or an error, never panic, and every row it accepts
// must hold valid, NFC text.
func FuzzParseMetadataCSV(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\ufefffile,title_vi\n\"a.jpg\",\"x\"\"y\"\n"))
	f.Add([]byte("file;status\na;;;;\n"))
	f.Add([]byte("file\n\"unterminated\n"))
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		f.Fatal(err)
	}
	loc := time.FixedZone("ICT", 7*3600)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseMetadataCSV("fuzz.csv", bytes.NewReader(data), tax, loc)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Err != nil {
				continue
			}
			for _, s := range append([]string{r.File, r.Meta.Creator, r.Meta.Rights}, r.Meta.Keywords...) {
				if utf8.ValidString(string(data)) && !utf8.ValidString(s) {
					t.Fatalf("row %d: invalid UTF-8 %q from valid input", r.Row, s)
				}
			}
			if r.Meta.Visibility != "" && r.Meta.Visibility != archive.Public && r.Meta.Visibility != archive.Internal {
				t.Fatalf("row %d: visibility %q accepted", r.Row, r.Meta.Visibility)
			}
		}
	})
}
