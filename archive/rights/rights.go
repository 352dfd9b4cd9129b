// Package rights owns the rights metadata the archive writes into the
// images it serves (renditions, download sizes, IIIF derivatives): an XMP
// packet and IPTC IIM datasets (in a Photoshop APP13 resource) in JPEG, an
// XMP iTXt chunk in PNG. It rewrites only encoded bytes it is handed —
// originals never pass through it — and it imports nothing of the
// project's: the caller says what the rights are (Meta).
package rights

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrFormat is bytes that are not a well-formed JPEG or PNG stream; the
// caller serves them as they are.
var ErrFormat = errors.New("rights: not a well-formed image stream")

// MainLang is the language of the x-default alternative and of the IIM
// title and caption: the province's own.
const MainLang = "vi"

// Meta is what a served image says about its rights. Text maps are keyed
// by BCP 47 language tags ("vi", "en"; "x-default" for text of unknown
// language).
type Meta struct {
	Creator      string `json:"creator,omitempty"`       // dc:creator, IIM By-line
	Credit       string `json:"credit,omitempty"`        // photoshop:Credit, IIM Credit
	Copyright    string `json:"copyright,omitempty"`     // dc:rights, IIM CopyrightNotice
	UsageTerms   string `json:"usage_terms,omitempty"`   // xmpRights:UsageTerms: the licence as people name it
	WebStatement string `json:"web_statement,omitempty"` // xmpRights:WebStatement: the licence URL
	Source       string `json:"source,omitempty"`        // photoshop:Source, IIM Source
	// LicensorURL is where to ask for a licence (the asset's page):
	// plus:Licensor, with Credit (else Creator) as the licensor's name.
	LicensorURL  string            `json:"licensor_url,omitempty"`
	PublicDomain bool              `json:"public_domain,omitempty"` // xmpRights:Marked False (CC0)
	Title        map[string]string `json:"title,omitempty"`         // dc:title, IIM ObjectName
	Description  map[string]string `json:"description,omitempty"`   // dc:description, IIM Caption-Abstract
}

// Empty reports whether m says nothing: such an image is left as it is.
func (m Meta) Empty() bool {
	return m.Creator == "" && m.Credit == "" && m.Copyright == "" && m.UsageTerms == "" &&
		m.WebStatement == "" && m.Source == "" && m.LicensorURL == "" && !m.PublicDomain && len(m.Title) == 0 && len(m.Description) == 0
}

// Hash is a short digest of m, for cache keys and ETags: an edit of the
// rights changes it.
func (m Meta) Hash() string {
	b, _ := json.Marshal(m) // maps encode sorted: the digest is stable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Embed writes m into the image b of type mime (image/jpeg, image/png)
// and returns the new bytes; other types, and an empty m, come back as
// they are. Malformed bytes are ErrFormat.
func Embed(b []byte, mime string, m Meta) ([]byte, error) {
	if m.Empty() {
		return b, nil
	}
	switch mime {
	case "image/jpeg":
		return JPEG(b, m)
	case "image/png":
		return PNG(b, m)
	}
	return b, nil
}

// maxLangs bounds the languages written of one text.
const maxLangs = 16

// alt is one entry of a language alternative.
type alt struct{ lang, text string }

// alts orders the non-blank entries of a text map for XMP: the main
// language first as x-default (else x-default text, else the first tag),
// then every tagged language, MainLang first and the rest sorted.
func alts(m map[string]string) []alt {
	var tags []string
	for k, v := range m {
		if strings.TrimSpace(v) != "" && !strings.EqualFold(k, "x-default") {
			tags = append(tags, k)
		}
	}
	slices.SortFunc(tags, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case strings.EqualFold(a, MainLang):
			return -1
		case strings.EqualFold(b, MainLang):
			return 1
		}
		return strings.Compare(a, b)
	})
	var out []alt
	def, hasDef := m["x-default"]
	switch {
	case len(tags) > 0 && strings.EqualFold(tags[0], MainLang):
		out = append(out, alt{"x-default", m[tags[0]]})
	case hasDef && strings.TrimSpace(def) != "":
		out = append(out, alt{"x-default", def})
	case len(tags) > 0:
		out = append(out, alt{"x-default", m[tags[0]]})
	}
	for _, t := range tags[:min(len(tags), maxLangs)] {
		out = append(out, alt{t, m[t]})
	}
	for i := range out {
		out[i].text = clean(out[i].text)
	}
	return out
}

// mainText is the x-default entry of m, or "".
func mainText(m map[string]string) string {
	if a := alts(m); len(a) > 0 {
		return a[0].text
	}
	return ""
}

// clean is s trimmed and in NFC.
func clean(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
