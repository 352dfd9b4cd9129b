package media

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// claims gathers what each metadata block of a file says, before
// reconciliation.
type claims struct {
	exif exifClaims
	iptc iptcClaims
	xmp  xmpClaims // embedded packets, merged
	side xmpClaims // the sidecar, if any
}

// Provenance sources.
const (
	srcEXIF    = "exif"
	srcIPTC    = "iptc"
	srcXMP     = "xmp"
	srcBoth    = "iptc+xmp"
	srcSidecar = "xmp-sidecar"
	srcPNG     = "png"
)

// preferXMP is the MWG rule for IPTC-backed values (ExifTool's MWG.pm): XMP
// wins when there is no IPTC, or when XMP has the value and the stored
// IPTCDigest is absent or equals the digest of the IPTC actually present (the
// IPTC is then a synchronised legacy copy). A digest that does not match
// means a legacy tool edited the IPTC after the XMP was written: the IPTC is
// current and wins.
func (cl *claims) preferXMP(xmpHas bool) bool {
	if !cl.iptc.present {
		return true
	}
	if !xmpHas {
		return false
	}
	return cl.iptc.digest == nil || bytes.Equal(cl.iptc.digest, cl.iptc.current)
}

// pick applies MWG precedence to a single-valued text field: a non-blank EXIF
// value, else XMP or IPTC as preferXMP decides, else whichever exists.
// Inputs are already cleaned.
func (cl *claims) pick(exif, iptc, xmp string) (string, string) {
	switch {
	case exif != "":
		return exif, srcEXIF
	case cl.preferXMP(xmp != "") && xmp != "":
		return xmp, srcXMP
	case iptc != "":
		return iptc, srcIPTC
	case xmp != "":
		return xmp, srcXMP
	}
	return "", ""
}

// reconcile fills info from the claims.
func (cl *claims) reconcile(info *Info, loc *time.Location) {
	prov := map[string]string{}
	set := func(field, src string) {
		if src != "" {
			prov[field] = src
		}
	}
	x, s := &cl.xmp, &cl.side

	// Description: EXIF ImageDescription, IPTC Caption-Abstract, XMP dc:description.
	exifDesc := cleanDescriptive(cl.exif.description)
	iptcDesc := cleanDescriptive(cl.iptc.caption)
	if v, src := cl.pick(exifDesc, iptcDesc, x.description.first()); src == srcXMP {
		info.Description = x.description.clone()
		set("description", src)
	} else if v != "" {
		info.Description = map[string]string{XDefault: v}
		set("description", src)
	}
	if len(s.description) > 0 {
		info.Description = s.description.clone()
		set("description", srcSidecar)
	}

	// Title: XMP dc:title, else IPTC ObjectName.
	switch {
	case len(s.title) > 0:
		info.Title = s.title.clone()
		set("title", srcSidecar)
	case len(x.title) > 0:
		info.Title = x.title.clone()
		set("title", srcXMP)
	default:
		if v := cleanDescriptive(cl.iptc.title); v != "" {
			info.Title = map[string]string{XDefault: v}
			set("title", srcIPTC)
		}
	}

	// Creator, rights, credit, classification: MWG precedence, sidecar first.
	text := func(field string, exif string, iptc, xmp, side string) string {
		if v := cleanText(side); v != "" {
			set(field, srcSidecar)
			return v
		}
		v, src := cl.pick(cleanText(exif), cleanText(iptc), cleanText(xmp))
		set(field, src)
		return v
	}
	info.Creator = text("creator", cl.exif.artist, joinList(cl.iptc.bylines), joinList(x.creator), joinList(s.creator))
	info.Rights = text("rights", cl.exif.copyright, cl.iptc.copyright, x.rights.first(), s.rights.first())
	info.Credit = text("credit", "", cl.iptc.credit, x.credit, s.credit)
	info.Classification = text("classification", "", cl.iptc.instructions, x.instructions, s.instructions)
	// Software has no record field, hence no provenance.
	if info.Software = cleanText(s.creatorTool); info.Software == "" {
		info.Software, _ = cl.pick(cleanText(cl.exif.software), "", cleanText(x.creatorTool))
	}

	cl.keywords(info, set)
	cl.capturedAt(info, loc, set)
	cl.position(info, set)

	// Orientation and camera: EXIF, else XMP tiff:*.
	info.Orientation = cl.exif.orientation
	set("orientation", srcIfNonZero(info.Orientation, srcEXIF))
	if info.Orientation == 0 {
		for _, v := range []string{s.orientation, x.orientation} {
			if o, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && o >= 1 && o <= 8 {
				info.Orientation = o
				set("orientation", srcXMP)
				break
			}
		}
	}
	info.Camera = Camera{Make: cleanText(cl.exif.make), Model: cleanText(cl.exif.model), Lens: cleanText(cl.exif.lens)}
	if !info.Camera.IsZero() {
		set("camera", srcEXIF)
	}
	fill := func(dst *string, vals ...string) {
		for _, v := range vals {
			if *dst == "" {
				if v = cleanText(v); v != "" {
					*dst = v
					set("camera", srcXMP)
				}
			}
		}
	}
	fill(&info.Camera.Make, s.make, x.make)
	fill(&info.Camera.Model, s.model, x.model)
	fill(&info.Camera.Lens, s.lens, x.lens)
	info.Exposure = cl.exif.exposure
	if !info.Exposure.IsZero() {
		set("exposure", srcEXIF)
	}
	if len(prov) > 0 {
		info.Provenance = prov
	}
}

func srcIfNonZero(v int, src string) string {
	if v == 0 {
		return ""
	}
	return src
}

// joinList joins several creators the way ExifTool writes EXIF Artist.
func joinList(vals []string) string {
	var out []string
	out, _ = appendUnique(out, vals...)
	return strings.Join(out, "; ")
}

// keywords: the union of IPTC Keywords and XMP dc:subject (RECORD.md), except
// that IPTC is left out when MWG says the XMP supersedes it (preferXMP: the
// IPTC is an older copy). A sidecar's dc:subject replaces both.
func (cl *claims) keywords(info *Info, set func(string, string)) {
	if len(cl.side.subject) > 0 {
		info.Keywords, _ = appendUnique(nil, cl.side.subject...)
		set("keywords", srcSidecar)
		return
	}
	xmpKW, _ := appendUnique(nil, cl.xmp.subject...)
	var kw []string
	fromIPTC := 0
	if !(cl.preferXMP(len(xmpKW) > 0) && len(xmpKW) > 0) {
		kw, fromIPTC = appendUnique(kw, cl.iptc.keywords...)
	}
	kw, fromXMP := appendUnique(kw, xmpKW...)
	if len(kw) == 0 {
		return
	}
	info.Keywords = kw
	switch {
	case fromIPTC > 0 && len(xmpKW) > 0:
		set("keywords", srcBoth)
	case fromIPTC > 0:
		set("keywords", srcIPTC)
	case fromXMP > 0:
		set("keywords", srcXMP)
	}
}

// capturedAt applies the capture-time precedence: sidecar XMP, EXIF
// DateTimeOriginal (+OffsetTimeOriginal), EXIF CreateDate
// (+OffsetTimeDigitized), XMP exif:DateTimeOriginal, XMP photoshop:DateCreated
// or IPTC DateCreated+TimeCreated as MWG's digest rule says, XMP
// xmp:CreateDate, then IPTC.
func (cl *claims) capturedAt(info *Info, loc *time.Location, set func(string, string)) {
	type cand struct{ part, name, value, offset, src string }
	iptcDate := strings.TrimSpace(cl.iptc.dateCreated)
	if t := strings.TrimSpace(cl.iptc.timeCreated); iptcDate != "" && t != "" {
		iptcDate += " " + t
	}
	x, s := &cl.xmp, &cl.side
	cands := []cand{
		{"xmp-sidecar", "exif:DateTimeOriginal", s.dateOriginal, "", srcSidecar},
		{"xmp-sidecar", "photoshop:DateCreated", s.dateCreated, "", srcSidecar},
		{"xmp-sidecar", "xmp:CreateDate", s.createDate, "", srcSidecar},
		{"exif", "DateTimeOriginal", cl.exif.dateOriginal, cl.exif.offOriginal, srcEXIF},
		{"exif", "CreateDate", cl.exif.dateDigitized, cl.exif.offDigitized, srcEXIF},
		{"xmp", "exif:DateTimeOriginal", x.dateOriginal, "", srcXMP},
	}
	psDate := cand{"xmp", "photoshop:DateCreated", x.dateCreated, "", srcXMP}
	iptc := cand{"iptc", "DateCreated", iptcDate, "", srcIPTC}
	if cl.preferXMP(strings.TrimSpace(x.dateCreated) != "") {
		cands = append(cands, psDate, cand{"xmp", "xmp:CreateDate", x.createDate, "", srcXMP}, iptc)
	} else {
		cands = append(cands, iptc, psDate, cand{"xmp", "xmp:CreateDate", x.createDate, "", srcXMP})
	}
	for _, c := range cands {
		if strings.TrimSpace(c.value) == "" {
			continue
		}
		w, err := parseDate(c.value, loc)
		if errors.Is(err, errAbsent) {
			continue
		}
		if err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf("%s: %s: %v, ignored", c.part, c.name, err))
			continue
		}
		if c.offset != "" && w.inferred {
			if z, ok := parseOffset(c.offset); ok {
				t := w.t
				w = when{t: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), z)}
			} else {
				info.Warnings = append(info.Warnings, fmt.Sprintf("%s: offset %q for %s is not valid, ignored", c.part, c.offset, c.name))
			}
		}
		info.CapturedAt, info.TZInferred, info.CapturedAtSource = &w.t, w.inferred, c.src
		if c.src == srcSidecar {
			info.CapturedAtSource = srcXMP
		}
		set("captured_at", c.src)
		return
	}
}

// position: EXIF GPS (already validated), else XMP exif:GPSLatitude/Longitude.
func (cl *claims) position(info *Info, set func(string, string)) {
	if cl.exif.gps != nil {
		info.GPS = cl.exif.gps
		set("gps", srcEXIF)
		return
	}
	for _, x := range []struct {
		c   *xmpClaims
		src string
	}{{&cl.side, srcSidecar}, {&cl.xmp, srcXMP}} {
		if strings.TrimSpace(x.c.lat) == "" && strings.TrimSpace(x.c.lon) == "" {
			continue
		}
		lat, err1 := parseXMPCoord(x.c.lat, 90)
		lon, err2 := parseXMPCoord(x.c.lon, 180)
		if err := errors.Join(err1, err2); err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf("xmp: GPS: %v, ignored", err))
			continue
		}
		if lat == 0 && lon == 0 {
			info.Warnings = append(info.Warnings, "xmp: gps: 0,0 is a camera placeholder, ignored")
			continue
		}
		info.GPS = &GPS{Lat: lat, Lon: lon}
		set("gps", x.src)
		return
	}
}

// mergeXMP fills the gaps of dst with src (a later packet, such as Extended
// XMP).
func mergeXMP(dst *xmpClaims, src xmpClaims) {
	dst.present = dst.present || src.present
	str := func(d *string, s string) {
		if strings.TrimSpace(*d) == "" {
			*d = s
		}
	}
	lang := func(d *langText, s langText) {
		if len(*d) == 0 {
			*d = s
		}
	}
	list := func(d *[]string, s []string) {
		if len(*d) == 0 {
			*d = s
		}
	}
	lang(&dst.title, src.title)
	lang(&dst.description, src.description)
	lang(&dst.rights, src.rights)
	list(&dst.subject, src.subject)
	list(&dst.creator, src.creator)
	for _, p := range [][2]*string{
		{&dst.dateCreated, &src.dateCreated}, {&dst.dateOriginal, &src.dateOriginal},
		{&dst.createDate, &src.createDate}, {&dst.credit, &src.credit},
		{&dst.instructions, &src.instructions}, {&dst.lat, &src.lat}, {&dst.lon, &src.lon},
		{&dst.orientation, &src.orientation}, {&dst.make, &src.make}, {&dst.model, &src.model},
		{&dst.lens, &src.lens}, {&dst.creatorTool, &src.creatorTool},
	} {
		str(p[0], *p[1])
	}
}
