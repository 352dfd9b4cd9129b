package media

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"
)

// exifClaims are the values read from one EXIF structure, still unreconciled.
// Strings are raw (decoded to UTF-8 but not cleaned).
type exifClaims struct {
	present                        bool
	make, model, lens              string
	description, artist, copyright string
	software                       string
	dateOriginal, dateDigitized    string
	offOriginal, offDigitized      string
	orientation                    int
	gps                            *GPS
	exposure                       Exposure
}

// readEXIF validates a TIFF-structured EXIF block held in r (offset 0 = the
// TIFF header), then decodes its IFD0, Exif and GPS tags with goexif from a
// rebuilt copy that goexif cannot loop or blow up on. Problems become
// warnings; only a structure with no readable IFD0 is an error.
func readEXIF(r io.ReaderAt, size int64, part string) (*tiffDoc, exifClaims, []string, error) {
	doc, err := walkTIFF(r, size, part, part == "tiff")
	if err != nil {
		return nil, exifClaims{}, nil, err
	}
	warns := append([]string(nil), doc.warnings...)
	c, w := decodeEXIFTags(doc)
	return doc, c, append(warns, w...), nil
}

// decodeEXIFTags runs goexif on the rebuilt structure and reads the fields.
func decodeEXIFTags(doc *tiffDoc) (c exifClaims, warns []string) {
	x, err := goexifDecode(doc.goexifBlob())
	if x == nil {
		return c, []string{fmt.Sprintf("exif: %v", err)}
	}
	if err != nil {
		warns = append(warns, fmt.Sprintf("exif: %v", err))
	}
	c.present = true
	str := func(name exif.FieldName) string {
		t, err := x.Get(name)
		if err != nil || t == nil {
			return ""
		}
		v := t.Val
		if i := bytes.IndexByte(v, 0); i >= 0 {
			v = v[:i]
		}
		return decodeLegacy(v)
	}
	c.make, c.model, c.lens = str(exif.Make), str(exif.Model), str(exif.LensModel)
	c.description, c.artist, c.copyright = str(exif.ImageDescription), str(exif.Artist), str(exif.Copyright)
	c.software = str(exif.Software)
	c.dateOriginal, c.dateDigitized = str(exif.DateTimeOriginal), str(exif.DateTimeDigitized)
	// goexif (2019) predates the OffsetTime tags; the walker has them.
	c.offOriginal = doc.exif.find(tagOffsetTimeOrig).ascii()
	c.offDigitized = doc.exif.find(tagOffsetTimeDig).ascii()

	if t, err := x.Get(exif.Orientation); err == nil && t.Count >= 1 {
		if o, err := t.Int(0); err == nil {
			if o >= 1 && o <= 8 {
				c.orientation = o
			} else {
				warns = append(warns, fmt.Sprintf("exif: orientation %d is not 1–8, ignored", o))
			}
		}
	}
	c.exposure = exposureOf(x)
	gps, w := gpsOf(x)
	c.gps = gps
	return c, append(warns, w...)
}

// goexifDecode calls goexif and turns a panic into an error. A non-nil
// *exif.Exif comes back even when a sub-IFD failed.
func goexifDecode(blob []byte) (x *exif.Exif, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, fmt.Errorf("goexif panicked: %v", r)
		}
	}()
	return exif.Decode(bytes.NewReader(blob))
}

// ratAt returns the i'th rational of a tag, refusing zero denominators.
func ratAt(t *tiff.Tag, i int) (float64, error) {
	if t == nil || i >= int(t.Count) {
		return 0, fmt.Errorf("missing value")
	}
	n, d, err := t.Rat2(i)
	if err != nil {
		return 0, err
	}
	if d == 0 {
		return 0, fmt.Errorf("zero denominator")
	}
	return float64(n) / float64(d), nil
}

func exposureOf(x *exif.Exif) Exposure {
	var e Exposure
	rat := func(name exif.FieldName) float64 {
		t, err := x.Get(name)
		if err != nil {
			return 0
		}
		v, err := ratAt(t, 0)
		if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return 0
		}
		return v
	}
	e.FNumber = math.Round(rat(exif.FNumber)*100) / 100
	e.FocalLengthMM = math.Round(rat(exif.FocalLength)*100) / 100
	if secs := rat(exif.ExposureTime); secs > 0 {
		e.ExposureTime = formatExposure(secs)
	}
	if t, err := x.Get(exif.ISOSpeedRatings); err == nil && t.Count >= 1 {
		if v, err := t.Int(0); err == nil && v > 0 {
			e.ISO = v
		}
	}
	return e
}

// formatExposure prints seconds the way ExifTool does: "1/120" below a
// quarter second, else a short decimal ("0.5", "2", "2.5").
func formatExposure(secs float64) string {
	if secs < 0.25001 {
		return fmt.Sprintf("1/%d", int(0.5+1/secs))
	}
	return strconv.FormatFloat(math.Round(secs*10)/10, 'f', -1, 64)
}

// gpsOf reads and validates the position. Zero denominators, NaN/Inf, values
// out of range and the 0,0 placeholder are dropped with a warning.
func gpsOf(x *exif.Exif) (*GPS, []string) {
	latT, errLat := x.Get(exif.GPSLatitude)
	lonT, errLon := x.Get(exif.GPSLongitude)
	if errLat != nil || errLon != nil {
		return nil, nil
	}
	var warns []string
	coord := func(t *tiff.Tag, name string, refName exif.FieldName, neg string, limit float64) (float64, bool) {
		v, err := degrees(t)
		if err != nil {
			warns = append(warns, fmt.Sprintf("exif: GPS %s: %v, ignored", name, err))
			return 0, false
		}
		if ref := exifString(x, refName); ref != "" && (ref[0] == neg[0] || ref[0] == neg[0]+32) {
			v = -v
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > limit {
			warns = append(warns, fmt.Sprintf("exif: GPS %s %g out of range, ignored", name, v))
			return 0, false
		}
		return v, true
	}
	lat, ok1 := coord(latT, "latitude", exif.GPSLatitudeRef, "S", 90)
	lon, ok2 := coord(lonT, "longitude", exif.GPSLongitudeRef, "W", 180)
	if !ok1 || !ok2 {
		return nil, warns
	}
	if lat == 0 && lon == 0 {
		return nil, append(warns, "exif: gps: 0,0 is a camera placeholder, ignored")
	}
	g := &GPS{Lat: lat, Lon: lon}
	if t, err := x.Get(exif.GPSAltitude); err == nil {
		if alt, err := altitude(t); err == nil && !math.IsInf(alt, 0) && math.Abs(alt) < 1e6 {
			if rt, err := x.Get(exif.GPSAltitudeRef); err == nil && rt.Count >= 1 {
				if r, err := rt.Int(0); err == nil && r == 1 {
					alt = -alt
				}
			}
			g.AltM = &alt
		} else if err != nil {
			warns = append(warns, fmt.Sprintf("exif: GPS altitude: %v, ignored", err))
		}
	}
	return g, warns
}

// degrees reads a GPSLatitude or GPSLongitude value: degrees, minutes and
// seconds as rationals, or the same written as ASCII (some phones do).
func degrees(t *tiff.Tag) (float64, error) {
	if t.Format() == tiff.StringVal {
		s, _ := t.StringVal()
		if v, ok := asciiDegrees(s); ok {
			return v, nil
		}
		return 0, fmt.Errorf("%q is not a coordinate", s)
	}
	v, scale := 0.0, 1.0
	for i := 0; i < 3 && i < int(t.Count); i++ {
		f, err := ratAt(t, i)
		if err != nil {
			return 0, err
		}
		v += f / scale
		scale *= 60
	}
	return v, nil
}

// altitude reads GPSAltitude: a rational, or a decimal number written as
// ASCII (ExifTool takes the number when it is a plain float).
func altitude(t *tiff.Tag) (float64, error) {
	if t.Format() != tiff.StringVal {
		return ratAt(t, 0)
	}
	s, _ := t.StringVal()
	num := strings.TrimSpace(s)
	if num == "" || numberEnd(num, 0) != len(num) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return strconv.ParseFloat(num, 64)
}

// asciiDegrees reads a GPS coordinate written as ASCII instead of three
// rationals, the way ExifTool's GPS::ToDegrees does: the first three numbers
// in the text are degrees, minutes and seconds ("41 51 12.06", "41,51.2N",
// "41.8533"), the result is unsigned (the Ref tag gives the hemisphere), and
// "inf" or "undef" mean no value. Unlike ExifTool, a "NaN" (any case) is no
// value either: ExifTool skips it and reads "NaN,0,0.00" as 0, where
// RECORD.md drops a NaN coordinate. Values come from one bounded tag (at most
// tiffMaxValue bytes) and the scan is linear.
func asciiDegrees(s string) (float64, bool) {
	if hasWord(s, "inf") || hasWord(s, "undef") || hasWord(strings.ToLower(s), "nan") {
		return 0, false
	}
	var nums [3]float64
	n := 0
	for i := 0; i < len(s) && n < 3; {
		j := numberEnd(s, i)
		if j == i {
			i++
			continue
		}
		v, err := strconv.ParseFloat(s[i:j], 64)
		if err != nil {
			return 0, false
		}
		nums[n] = v
		n++
		i = j
	}
	if n == 0 {
		return 0, false
	}
	return math.Abs(nums[0] + (nums[1]+nums[2]/60)/60), true
}

// numberEnd returns the end of the number that starts at s[i] as ExifTool's
// pattern [+-]?(?=\d|\.\d)\d*(\.\d*)?([Ee][+-]\d+)? matches it, or i when
// none starts there.
func numberEnd(s string, i int) int {
	digit := func(k int) bool { return k < len(s) && s[k] >= '0' && s[k] <= '9' }
	digits := func(k int) int {
		for digit(k) {
			k++
		}
		return k
	}
	j := i
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if !digit(j) && !(j < len(s) && s[j] == '.' && digit(j+1)) {
		return i
	}
	j = digits(j)
	if j < len(s) && s[j] == '.' {
		j = digits(j + 1)
	}
	if j+1 < len(s) && (s[j] == 'e' || s[j] == 'E') && (s[j+1] == '+' || s[j+1] == '-') && digit(j+2) {
		j = digits(j + 2)
	}
	return j
}

// hasWord reports whether s holds w as a whole word (Perl's \bw\b).
func hasWord(s, w string) bool {
	word := func(c byte) bool { return c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' }
	for i := 0; ; {
		k := strings.Index(s[i:], w)
		if k < 0 {
			return false
		}
		k += i
		if (k == 0 || !word(s[k-1])) && (k+len(w) == len(s) || !word(s[k+len(w)])) {
			return true
		}
		i = k + 1
	}
}

func exifString(x *exif.Exif, name exif.FieldName) string {
	t, err := x.Get(name)
	if err != nil {
		return ""
	}
	s, _ := t.StringVal()
	return s
}
