package media

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// genPDF builds a one-page PDF of n objects, each on one line ("4 0 obj <<
// /N 4 >> endobj", the layout pdfcpu rebuilds slowest), with a valid xref
// table ("table"), none ("none"), or a startxref that points at nothing
// ("broken").
func genPDF(n int, xref string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, n+1)
	for i := 1; i <= n; i++ {
		offs[i] = b.Len()
		switch i {
		case 1:
			b.WriteString("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
		case 2:
			b.WriteString("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
		case 3:
			b.WriteString("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n")
		default:
			fmt.Fprintf(&b, "%d 0 obj << /N %d >> endobj\n", i, i)
		}
	}
	switch xref {
	case "table":
		at := b.Len()
		fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", n+1)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "%010d 00000 n \n", offs[i])
		}
		fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", n+1, at)
	case "broken":
		fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", n+1, b.Len()/2)
	default:
		b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
	}
	return b.Bytes()
}

// TestPDFObjectLimit: a PDF whose xref pdfcpu would have to rebuild over
// many objects (minutes of CPU at 50,000, ignoring any deadline) is not
// handed to pdfcpu: it ingests at once with a warning. Small ones and ones
// with a usable xref are read.
func TestPDFObjectLimit(t *testing.T) {
	tests := []struct {
		name  string
		pdf   []byte
		pages int    // 0 when not read
		warn  string // substring of a warning, "" for none
	}{
		{"small, no xref", genPDF(10, "none"), 1, ""},
		{"small, broken xref", genPDF(10, "broken"), 1, ""},
		{"many objects, xref table", genPDF(pdfMaxRepairObjects+1000, "table"), 1, ""},
		{"many objects, no xref", genPDF(pdfMaxRepairObjects+1000, "none"), 0, "no usable cross-reference table"},
		{"many objects, broken xref", genPDF(pdfMaxRepairObjects+1000, "broken"), 0, "no usable cross-reference table"},
		{"50,000 objects, no xref", genPDF(50000, "none"), 0, "no usable cross-reference table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info *Info
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				info, err = Extract(bytes.NewReader(tt.pdf), int64(len(tt.pdf)), Options{})
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Extract did not return")
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Kind != KindPublication || info.PageCount != tt.pages {
				t.Errorf("kind %q pages %d, want publication with %d", info.Kind, info.PageCount, tt.pages)
			}
			w := strings.Join(info.Warnings, "|")
			if (tt.warn == "") != (w == "") || !strings.Contains(w, tt.warn) {
				t.Errorf("warnings %q, want %q", info.Warnings, tt.warn)
			}
		})
	}
}

// TestScanPDF counts objects across the scanner's block boundaries and
// stops past the limit.
func TestScanPDF(t *testing.T) {
	big := genPDF(50000, "table") // ~2.7 MB: several blocks
	tests := []struct {
		name    string
		pdf     []byte
		limit   int
		objects int
		xrefOK  bool
	}{
		{"every object counted", big, 1 << 30, 50000, true},
		{"stops past the limit", big, 100, 101, true},
		{"no xref", genPDF(7, "none"), 1000, 7, false},
		{"broken xref", genPDF(7, "broken"), 1000, 7, false},
		{"xref stream", []byte("%PDF-1.5\n1 0 obj<</Type/XRef>>stream\nendstream endobj\nstartxref\n9\n%%EOF"), 10, 1, true},
		{"obj inside words and endobj", []byte("%PDF-1.4\n objects endobj /obj\n1 0 obj\n"), 10, 1, false},
		{"startxref past the end", []byte("%PDF-1.4\nstartxref\n99999\n%%EOF"), 10, 0, false},
		{"empty", nil, 10, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scanPDF(bytes.NewReader(tt.pdf), int64(len(tt.pdf)), tt.limit)
			if err != nil || s.objects != tt.objects || s.xrefOK != tt.xrefOK {
				t.Errorf("got %+v %v, want %d objects, xrefOK %v", s, err, tt.objects, tt.xrefOK)
			}
		})
	}
}
