package media

import (
	"errors"
	"fmt"
	"time"
)

// native holds what a video, PDF, EPUB or PNG states in its own metadata
// (not XMP): QuickTime atoms, the PDF Info dictionary, the EPUB package
// document, PNG text chunks. Values are raw; apply cleans them.
type native struct {
	src                string // provenance and CapturedAtSource: quicktime | pdf | epub | png
	title, description langText
	keywords           []string
	creators           []string
	rights, software   string
	make, model        string
	date, dateName     string     // a date parseDate reads, and its name for warnings
	instant            *time.Time // an exact instant (QuickTime mvhd), used when date is absent
	// dateLast ranks the date below every EXIF, IPTC and XMP date instead of
	// above them (PNG Creation Time, often the time the file was written).
	dateLast bool
	// epochAbsent makes any date at a clock's epoch absent (videos: see
	// atClockEpoch).
	epochAbsent bool
	gps         *GPS
}

// applyNative reconciles the XMP claims (embedded packets and the sidecar)
// into info, then fills it from the native values. Text fields: a sidecar,
// then XMP, then the native value (XMP is the richer, editable copy); keywords
// are the union. Capture time and position: a sidecar, then the native value,
// then XMP (the container's own clock is what the device wrote); a dateLast
// date only fills a gap.
func applyNative(info *Info, cl *claims, n *native, loc *time.Location) {
	cl.reconcile(info, loc)
	if info.Provenance == nil {
		info.Provenance = map[string]string{}
	}
	prov := info.Provenance
	if len(info.Title) == 0 {
		if t := n.title.clone(); t != nil {
			info.Title, prov["title"] = t, n.src
		}
	}
	if len(info.Description) == 0 {
		if d := n.description.clone(); d != nil {
			info.Description, prov["description"] = d, n.src
		}
	}
	if prov["keywords"] != srcSidecar {
		kw, added := appendUnique(info.Keywords, n.keywords...)
		if added > 0 {
			info.Keywords = kw
			if prov["keywords"] != "" {
				prov["keywords"] += "+" + n.src
			} else {
				prov["keywords"] = n.src
			}
		}
	}
	if info.Creator == "" {
		if v := joinList(n.creators); v != "" {
			info.Creator, prov["creator"] = v, n.src
		}
	}
	if info.Rights == "" {
		if v := cleanText(n.rights); v != "" {
			info.Rights, prov["rights"] = v, n.src
		}
	}
	if info.Software == "" {
		info.Software = cleanText(n.software)
	}
	if prov["captured_at"] != srcSidecar && !(n.dateLast && info.CapturedAt != nil) {
		n.capturedAt(info, loc)
	}
	if n.epochAbsent && info.CapturedAt != nil && atClockEpoch(*info.CapturedAt) {
		info.CapturedAt, info.TZInferred, info.CapturedAtSource = nil, false, ""
		delete(prov, "captured_at")
	}
	if n.gps != nil && prov["gps"] != srcSidecar {
		info.GPS, prov["gps"] = n.gps, n.src
	}
	if info.Camera.Make == "" && cleanText(n.make) != "" {
		info.Camera.Make, prov["camera"] = cleanText(n.make), n.src
	}
	if info.Camera.Model == "" && cleanText(n.model) != "" {
		info.Camera.Model, prov["camera"] = cleanText(n.model), n.src
	}
	if len(prov) == 0 {
		info.Provenance = nil
	}
}

func (n *native) capturedAt(info *Info, loc *time.Location) {
	if n.date != "" {
		w, err := parseDate(n.date, loc)
		switch {
		case err == nil && n.epochAbsent && atClockEpoch(w.t):
			// absent: the instant may still tell
		case err == nil:
			info.CapturedAt, info.TZInferred, info.CapturedAtSource = &w.t, w.inferred, n.src
			info.Provenance["captured_at"] = n.src
			return
		case !errors.Is(err, errAbsent):
			info.Warnings = append(info.Warnings, fmt.Sprintf("%s: %s: %v, ignored", n.src, n.dateName, err))
		}
	}
	if n.instant != nil && !(n.epochAbsent && atClockEpoch(*n.instant)) {
		t := n.instant.In(loc)
		info.CapturedAt, info.TZInferred, info.CapturedAtSource = &t, false, n.src
		info.Provenance["captured_at"] = n.src
	}
}

// atClockEpoch reports whether t lies within a day of 1904-01-01 or
// 1970-01-01 UTC, the zero of the QuickTime and the Unix clock: a video
// written with an unset clock, or a zero date converted, carries one of them
// instead of a date (in any time zone, or a few hours after a reset).
func atClockEpoch(t time.Time) bool {
	for _, epoch := range []time.Time{mac1904(), time.Unix(0, 0)} {
		if d := t.Sub(epoch); d > -24*time.Hour && d < 24*time.Hour {
			return true
		}
	}
	return false
}

// setText stores raw text under x-default (descriptive fields drop camera junk).
func setText(m *langText, v string) {
	if *m == nil {
		*m = langText{}
	}
	if _, ok := (*m)[XDefault]; !ok {
		m.set(XDefault, v, true)
	}
}
