package media

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

const sampleProbe = `{"streams":[{"codec_type":"audio","codec_name":"opus"},
 {"codec_type":"video","codec_name":"vp9","width":1920,"height":1080,
  "side_data_list":[{"rotation":-90}],"tags":{"TITLE":"  Le\u0302\u0303 hội Côn Sơn  "}}],
 "format":{"duration":"12.3456","tags":{"COMMENT":"OLYMPUS DIGITAL CAMERA","ARTIST":"Nguyễn Thị Ánh",
  "creation_time":"2024-02-10T01:02:03.000000Z","location":"+21.1500+106.3800/","KEYWORDS":"lễ hội, Côn Sơn"}}}`

func TestFromFFprobe(t *testing.T) {
	info, err := FromFFprobe("video/x-matroska", []byte(sampleProbe), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 2, 10, 1, 2, 3, 0, time.UTC)
	switch {
	case info.Kind != KindVideo || info.Width != 1920 || info.Height != 1080 || info.Rotation != 90 || info.Codec != "vp9":
		t.Errorf("frame: %+v", info)
	case info.DurationS != 12.346:
		t.Errorf("duration %v", info.DurationS)
	case info.Title[XDefault] != "Lễ hội Côn Sơn":
		t.Errorf("title %q (want NFC, trimmed)", info.Title)
	case len(info.Description) != 0:
		t.Errorf("camera junk kept as description: %q", info.Description)
	case info.Creator != "Nguyễn Thị Ánh" || len(info.Keywords) != 2:
		t.Errorf("creator %q keywords %q", info.Creator, info.Keywords)
	case info.CapturedAt == nil || !info.CapturedAt.Equal(want) || info.CapturedAtSource != "container" || info.TZInferred:
		t.Errorf("captured %v from %q", info.CapturedAt, info.CapturedAtSource)
	case info.GPS == nil || info.GPS.Lat != 21.15 || info.GPS.Lon != 106.38:
		t.Errorf("gps %+v", info.GPS)
	}
	for _, bad := range []string{`not json`, `{"streams":[]}`, `{"streams":[{"codec_type":"audio"}]}`} {
		t.Run(bad, func(t *testing.T) {
			var fe *FormatError
			if _, err := FromFFprobe("video/x-msvideo", []byte(bad), Options{}); !errors.As(err, &fe) {
				t.Errorf("%s: err %v, want a *FormatError", bad, err)
			}
		})
	}
	for _, c := range []struct {
		tag  string
		side []float64
		want int
	}{{"", nil, 0}, {"90", nil, 90}, {"-90", nil, 270}, {"", []float64{-90}, 90}, {"", []float64{180}, 180}, {"", []float64{90}, 270}, {"x", nil, 0}} {
		t.Run(fmt.Sprintf("tag %q side %v", c.tag, c.side), func(t *testing.T) {
			var side []struct {
				Rotation *float64 `json:"rotation"`
			}
			for _, r := range c.side {
				side = append(side, struct {
					Rotation *float64 `json:"rotation"`
				}{&r})
			}
			if got := probeRotation(c.tag, side); got != c.want {
				t.Errorf("rotation(%q, %v) = %d, want %d", c.tag, c.side, got, c.want)
			}
		})
	}
}

// FuzzFFprobe: ffprobe's report carries the file's own tags; any report
// gives an Info or an error, never a panic.
func FuzzFFprobe(f *testing.F) {
	f.Add([]byte(sampleProbe))
	f.Add([]byte(`{"streams":[{"codec_type":"video","width":-5,"height":1e9,"duration":"NaN","tags":{"rotate":"1e308"}}],"format":{"tags":{"creation_time":"0000-00-00"}}}`))
	f.Fuzz(func(t *testing.T, report []byte) {
		info, err := FromFFprobe("video/x-matroska", report, Options{})
		if err == nil && (info.Width < 0 || info.Height < 0 || info.Rotation%90 != 0 || info.Rotation < 0 || info.Rotation >= 360) {
			t.Fatalf("bad values from %q: %+v", report, info)
		}
	})
}
