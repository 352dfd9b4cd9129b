package report

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDownloadsByPurpose(t *testing.T) {
	a, _ := reportFixture(t)
	loc := a.Location()
	in := time.Date(2026, 2, 3, 10, 0, 0, 0, loc)
	out := time.Date(2025, 12, 31, 10, 0, 0, 0, loc)
	for _, d := range []struct {
		at           time.Time
		who, purpose string
	}{
		{in, "Báo Hải Dương", "press"}, {in, "Báo Hải Dương", "press"}, {in.AddDate(0, 1, 0), "Báo Hải Dương", "web"},
		{in, "Sở Du lịch", "print"}, {out, "Sở Du lịch", "print"}, {in, "a|b", "other"},
	} {
		if err := CountDownload(a.Store(), d.at, d.who, d.purpose); err != nil {
			t.Fatal(err)
		}
	}
	p, err := ParsePeriod("2026-H1", loc)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(context.Background(), a, p, Names{})
	if err != nil {
		t.Fatal(err)
	}
	want := []PurposeCount{{"Báo Hải Dương", "press", 2}, {"Báo Hải Dương", "web", 1}, {"Sở Du lịch", "print", 1}, {"a/b", "other", 1}}
	if !reflect.DeepEqual(rep.DownloadsByPurpose, want) {
		t.Errorf("downloads by purpose %+v, want %+v", rep.DownloadsByPurpose, want)
	}
	var md, csv bytes.Buffer
	rep.WriteMarkdown(&md)
	rep.WriteCSV(&csv)
	if !strings.Contains(md.String(), "| Báo Hải Dương | press | 2 |") {
		t.Errorf("markdown lacks the purposes:\n%s", md.String())
	}
	if !strings.Contains(csv.String(), "downloads_by_purpose,press,Báo Hải Dương,,2") {
		t.Errorf("csv lacks the purposes:\n%s", csv.String())
	}
}
