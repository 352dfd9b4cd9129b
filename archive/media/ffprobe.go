package media

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxProbeReport bounds the ffprobe report FromFFprobe reads.
const maxProbeReport = 4 << 20

// ffprobeReport is the part of `ffprobe -print_format json -show_format
// -show_streams` the archive reads.
type ffprobeReport struct {
	Streams []struct {
		CodecType    string            `json:"codec_type"`
		CodecName    string            `json:"codec_name"`
		Width        int               `json:"width"`
		Height       int               `json:"height"`
		Duration     string            `json:"duration"`
		Tags         map[string]string `json:"tags"`
		SideDataList []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
}

// FromFFprobe reads ffprobe's JSON report of a video container this package
// does not parse itself (Matroska/WebM, AVI, MPEG-TS). The report is
// untrusted (its tags come from the file); the same text, time and GPS
// rules as for MP4 apply. The creation time is UTC (ffprobe normalises
// it); its source is "container".
func FromFFprobe(mime string, report []byte, opts Options) (*Info, error) {
	if len(report) > maxProbeReport {
		return nil, fmt.Errorf("%w: ffprobe report of %d bytes", ErrTooLarge, len(report))
	}
	var rep ffprobeReport
	if err := json.Unmarshal(report, &rep); err != nil {
		return nil, &FormatError{Format: "ffprobe", Offset: -1, Msg: "report is not JSON", Err: err}
	}
	loc := opts.Location
	if loc == nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	v := &video{native: native{src: "container", dateName: "creation_time", epochAbsent: true}}
	v.durationS = seconds(rep.Format.Duration)
	for _, st := range rep.Streams {
		if st.CodecType != "video" || v.width != 0 {
			continue
		}
		v.width, v.height, v.codec = max(st.Width, 0), max(st.Height, 0), cleanText(st.CodecName)
		if d := seconds(st.Duration); v.durationS == 0 {
			v.durationS = d
		}
		v.rotation = probeRotation(st.Tags["rotate"], st.SideDataList)
		for k, val := range st.Tags {
			v.probeTag(k, val)
		}
	}
	for k, val := range rep.Format.Tags {
		v.probeTag(k, val)
	}
	if v.width == 0 {
		return nil, &FormatError{Format: "ffprobe", Offset: -1, Msg: "no video stream"}
	}
	return finishVideo(v, &Info{MIME: mime, Kind: KindVideo}, opts, loc), nil
}

// probeTag files one container tag (Matroska and AVI name them in any
// case) under the native field it means.
func (v *video) probeTag(key, val string) {
	switch strings.ToLower(key) {
	case "title":
		v.set("\xa9nam", val)
	case "description", "synopsis":
		v.set("\xa9des", val)
	case "comment":
		v.set("\xa9cmt", val)
	case "artist", "author", "director":
		v.set("\xa9ART", val)
	case "copyright":
		v.set("\xa9cpy", val)
	case "keywords":
		for _, k := range strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == ';' }) {
			v.set("\xa9key", k)
		}
	case "location", "location-eng":
		v.set("\xa9xyz", val)
	case "creation_time", "date":
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(val)); err == nil && t.Year() > 1904 && v.instant == nil {
			u := t.UTC()
			v.instant = &u
		}
	}
}

// seconds reads ffprobe's decimal seconds; anything else is 0.
func seconds(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return f
}

// probeRotation turns a display matrix rotation (counter-clockwise degrees,
// as ffprobe reports it) or an old "rotate" tag (clockwise) into clockwise
// degrees 0, 90, 180 or 270.
func probeRotation(tag string, side []struct {
	Rotation *float64 `json:"rotation"`
}) int {
	deg := 0.0
	if t, err := strconv.ParseFloat(strings.TrimSpace(tag), 64); err == nil {
		deg = t
	}
	for _, sd := range side {
		if sd.Rotation != nil {
			deg = -*sd.Rotation
		}
	}
	if math.IsNaN(deg) || math.IsInf(deg, 0) {
		return 0
	}
	r := int(math.Round(deg/90)) * 90 % 360
	if r < 0 {
		r += 360
	}
	return r
}
