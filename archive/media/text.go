package media

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// cleanText is the one place that decides whether a piece of embedded text is
// a value: it normalises to NFC, turns CRLF into LF, drops NULs and trims. It
// returns "" for whitespace-only text, which callers treat as absent.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimFunc(s, unicode.IsSpace)
	if s == "" {
		return ""
	}
	return norm.NFC.String(s)
}

// isCameraJunk reports whether cleaned text is a camera-default description
// that says nothing about the picture.
func isCameraJunk(s string) bool {
	l := strings.ToLower(s)
	switch l {
	case "olympus digital camera", "samsung", "minolta digital camera",
		"binary comment", "[no data]", "unknown", "default", "sony dsc",
		"digital camera", "kodak digital still camera", "no description", "untitled":
		return true
	}
	return strings.HasPrefix(l, `dcim\`) || strings.HasPrefix(l, "dcim/")
}

// cleanDescriptive is cleanText plus the camera-junk table: use it for
// description-like fields (captions, titles).
func cleanDescriptive(s string) string {
	s = cleanText(s)
	if isCameraJunk(s) {
		return ""
	}
	return s
}

// decodeLegacy turns bytes of unknown 8-bit encoding into a string: UTF-8 when
// they are valid UTF-8, Latin-1 otherwise (ExifTool's behaviour for EXIF
// strings and IPTC without a CodedCharacterSet).
func decodeLegacy(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return latin1(b)
}

func latin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// appendUnique appends the cleaned values of add to list, skipping blanks and
// values already present. It returns the list and how many were added.
func appendUnique(list []string, add ...string) ([]string, int) {
	n := 0
	for _, v := range add {
		v = cleanText(v)
		if v == "" {
			continue
		}
		dup := false
		for _, have := range list {
			if have == v {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, v)
			n++
		}
	}
	return list, n
}

// normLang normalises an xml:lang value for a text map key: "x-default" stays,
// other well-formed BCP 47 tags are lower-cased entirely ("en-US" → "en-us"),
// and anything malformed or empty becomes "x-default" (never a guess).
func normLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" || tag == XDefault {
		return XDefault
	}
	for i, part := range strings.Split(tag, "-") {
		if len(part) == 0 || len(part) > 8 || (i == 0 && len(part) < 2) {
			return XDefault
		}
		for _, c := range part {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				return XDefault
			}
		}
	}
	return tag
}

// langText is a text value with its languages: lang key → text.
type langText map[string]string

// set stores cleaned text under a normalised language; blanks are ignored.
func (m langText) set(lang, text string, descriptive bool) {
	if descriptive {
		text = cleanDescriptive(text)
	} else {
		text = cleanText(text)
	}
	if text == "" {
		return
	}
	m[normLang(lang)] = text
}

// first returns the x-default text, or else any text in a stable order.
func (m langText) first() string {
	if v, ok := m[XDefault]; ok {
		return v
	}
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return m[best]
}

func (m langText) clone() map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
