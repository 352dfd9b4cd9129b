package curation

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

func TestParseMetadataCSV(t *testing.T) {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		name     string
		in       string
		wantErr  string // whole-file error
		rows     int
		rowErrs  map[int]string // row number → substring of its error
		checkRow func(t *testing.T, rows []CSVRow)
	}{
		{
			name: "comma with BOM and NFD text",
			in:   "\ufefffile,title_vi,title_en,keywords,categories,place,captured_at\r\na.jpg,Ha\u0309i Dương,Hai Duong,chợ nổi; Hải Dương ;chợ nổi,du-lich;lich-su,294,2024-03-01 14:30\r\n",
			rows: 1,
			checkRow: func(t *testing.T, rows []CSVRow) {
				m := rows[0].Meta
				if m.Title["vi"] != "Hải Dương" || m.Title["en"] != "Hai Duong" {
					t.Errorf("title = %v (want NFC)", m.Title)
				}
				if strings.Join(m.Keywords, "|") != "chợ nổi|Hải Dương" {
					t.Errorf("keywords = %q", m.Keywords)
				}
				if strings.Join(m.Categories, "|") != "du-lich|lich-su" || m.Place != "294" {
					t.Errorf("categories %v place %q", m.Categories, m.Place)
				}
				if m.CapturedAt == nil || m.CapturedAt.Format(time.RFC3339) != "2024-03-01T14:30:00+07:00" || !m.TZInferred {
					t.Errorf("captured_at = %v inferred %v", m.CapturedAt, m.TZInferred)
				}
			},
		},
		{
			name: "semicolon separated as Excel writes in vi-VN",
			in:   "File;Title_VI;Visibility;Status\nb.jpg;Đền Kiếp Bạc;internal;Review\n",
			rows: 1,
			checkRow: func(t *testing.T, rows []CSVRow) {
				if m := rows[0].Meta; m.Visibility != archive.Internal || m.Status != archive.Review || m.Title["vi"] != "Đền Kiếp Bạc" {
					t.Errorf("meta = %+v", m)
				}
			},
		},
		{
			name: "a leading apostrophe is removed",
			in:   "file,title_vi,title_en,creator,keywords\na.jpg,'=1+1,''quoted,'-,'-a; b\n",
			rows: 1,
			checkRow: func(t *testing.T, rows []CSVRow) {
				m := rows[0].Meta
				if m.Title["vi"] != "=1+1" || m.Title["en"] != "'quoted" || m.Creator != "-" || strings.Join(m.Keywords, "|") != "-a|b" {
					t.Errorf("meta = %+v", m)
				}
			},
		},
		{name: "unknown columns named", in: "file,titel,colour\na.jpg,x,y\n", wantErr: `unknown columns "titel", "colour"`},
		{name: "no file column", in: "title_vi\nx\n", wantErr: `no "file" column`},
		{name: "duplicate column", in: "file,title_vi,title_vi\na,b,c\n", wantErr: "appears twice"},
		{
			name: "bad rows name row and column, others apply",
			in: "file,visibility,status,categories,place,captured_at\n" +
				"ok.jpg,public,draft,du-lich,288,2024-01-02\n" +
				"v.jpg,publik,,,,\n" +
				"s.jpg,,done,,,\n" +
				"c.jpg,,,no-such,,\n" +
				"p.jpg,,,,999,\n" +
				"d.jpg,,,,,yesterday\n" +
				"ok.jpg,,,,,\n" +
				",,,,,\n",
			rows: 7,
			rowErrs: map[int]string{
				3: "row 3, column visibility",
				4: "row 4, column status",
				5: "row 5, column categories",
				6: "row 6, column place",
				7: "row 7, column captured_at",
				8: "already described in row 2",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseMetadataCSV("dir/metadata.csv", strings.NewReader(tt.in), tax, loc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrMetadataCSV) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tt.rows {
				t.Fatalf("%d rows, want %d: %+v", len(rows), tt.rows, rows)
			}
			for _, r := range rows {
				want, bad := tt.rowErrs[r.Row]
				switch {
				case bad && (r.Err == nil || !strings.Contains(r.Err.Error(), want)):
					t.Errorf("row %d err = %v, want %q", r.Row, r.Err, want)
				case !bad && r.Err != nil:
					t.Errorf("row %d unexpected err %v", r.Row, r.Err)
				}
				var re *RowError
				if r.Err != nil && !errors.As(r.Err, &re) {
					t.Errorf("row %d err %T is not a *RowError", r.Row, r.Err)
				}
			}
			if tt.checkRow != nil {
				tt.checkRow(t, rows)
			}
		})
	}
}

// rowsCSV streams a metadata.csv of n rows (a file name and a Vietnamese
// title each) without holding it in memory.
func rowsCSV(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriter(pw)
		bw.WriteString("file,title_vi\n")
		for i := range n {
			fmt.Fprintf(bw, "IMG_%07d.jpg,Chợ nổi Cái Răng\n", i)
		}
		bw.Flush()
		pw.Close()
	}()
	return pr
}

// TestMetadataCSVLimits: a metadata.csv past its size or row limit is
// refused whole with ErrCSVTooLarge, read as a stream up to the limit.
func TestMetadataCSVLimits(t *testing.T) {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   io.Reader
		want string
	}{
		{"1,000,000 rows", rowsCSV(1000000), fmt.Sprintf("more than %d rows", MaxMetadataCSVRows)},
		{"more bytes than the limit", io.MultiReader(strings.NewReader("file,title_vi\na.jpg,\""),
			io.LimitReader(neverEnding('x'), MaxMetadataCSVBytes), strings.NewReader("\"\n")), "more than 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMetadataCSV("dir/metadata.csv", tt.in, tax, time.UTC)
			if !errors.Is(err, ErrCSVTooLarge) || !errors.Is(err, ErrMetadataCSV) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrCSVTooLarge saying %q", err, tt.want)
			}
		})
	}
}

// TestCSVSheetLimits: the limits hold exactly (at the limit is fine, one
// past is not), for rows and bytes, header and BOM included. Records are
// delivered before a size error shows (it is seen when the buffer fills):
// the whole file is refused all the same.
func TestCSVSheetLimits(t *testing.T) {
	const in = "\ufefffile\na\nb\nc\n" // 3 + 13 bytes
	tests := []struct {
		name     string
		maxBytes int64
		maxRows  int
		rows     int
		tooLarge bool
	}{
		{"within both", int64(len(in)), 3, 3, false},
		{"one row too many", int64(len(in)), 2, 2, true},
		{"one byte too many", int64(len(in)) - 1, 3, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := openCSVSheet("x.csv", strings.NewReader(in), []string{"file"}, "file", tt.maxBytes, tt.maxRows)
			rows := 0
			for err == nil {
				var cells csvCells
				if _, cells, err = sh.next(); err == nil {
					if got := cells.get("file"); got != string(rune('a'+rows)) {
						t.Errorf("row %d: %q", rows, got)
					}
					rows++
				}
			}
			if rows != tt.rows || errors.Is(err, ErrCSVTooLarge) != tt.tooLarge || (!tt.tooLarge && err != io.EOF) {
				t.Errorf("%d rows, err %v; want %d rows, too large %v", rows, err, tt.rows, tt.tooLarge)
			}
		})
	}
}

// neverEnding is an endless stream of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// BenchmarkParseMetadataCSV parses a metadata.csv of MaxMetadataCSVRows
// rows and reports rows/s and the heap the parsed rows keep (the stream
// itself is read through a 64 KiB buffer).
func BenchmarkParseMetadataCSV(b *testing.B) {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var kept float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		rows, err := parseMetadataCSV("metadata.csv", rowsCSV(MaxMetadataCSVRows), tax, time.UTC)
		if err != nil || len(rows) != MaxMetadataCSVRows {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		runtime.KeepAlive(rows)
	}
	b.ReportMetric(float64(MaxMetadataCSVRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(kept, "kept_MiB")
}
