package curation

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/haiduong/promo-archive/archive"
)

// Limits of one edit, by meaning rather than bytes: a record holds text in
// the archive's five languages and "x-default", a few hundred keywords at
// most, and texts a person writes. An edit beyond them is refused before
// anything is read or written, so one request cannot make a record that
// slows every later edit.
const (
	maxLangEntries = 12     // entries of one language map (removals included)
	maxKeywords    = 200    // keywords of a record, and of each list of an edit
	maxCategories  = 20     // categories of a record
	maxKeywordLen  = 100    // characters of one keyword or category
	maxTitleLen    = 500    // characters of one title
	maxTextLen     = 10_000 // characters of one description
	maxFieldLen    = 1_000  // characters of creator, credit, rights, licence, agency, place
)

// editLang reports whether text may be set in the language tag: one of the
// archive's languages (any region or script of it) or "x-default".
func editLang(tag string) bool {
	if tag == "x-default" {
		return true
	}
	base, _, _ := strings.Cut(tag, "-")
	for _, l := range archive.TextLanguages() {
		if strings.EqualFold(base, l) {
			return true
		}
	}
	return false
}

// checkLimits refuses an edit beyond the limits with a *FieldError.
func (ed Edit) checkLimits() error {
	for _, m := range []struct {
		field string
		texts map[string]string
		max   int
	}{{"title", ed.Title, maxTitleLen}, {"description", ed.Description, maxTextLen}, {"lang_status", ed.LangStatus, 0}} {
		if len(m.texts) > maxLangEntries {
			return &FieldError{Field: m.field, Msg: fmt.Sprintf("%d languages; at most %d", len(m.texts), maxLangEntries)}
		}
		for lang, v := range m.texts {
			if m.max == 0 {
				continue
			}
			if n := utf8.RuneCountInString(v); n > m.max {
				return &FieldError{Field: m.field + "." + lang, Msg: fmt.Sprintf("%d characters; at most %d", n, m.max)}
			}
			if tag, err := ParseLangTag(lang); err == nil && strings.TrimSpace(v) != "" && !editLang(tag) {
				return &FieldError{Field: m.field + "." + lang, Msg: fmt.Sprintf("the archive keeps text in %s and x-default only", strings.Join(archive.TextLanguages(), ", "))}
			}
		}
	}
	deref := func(p *[]string) []string {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, l := range []struct {
		field string
		items []string
		max   int
	}{{"keywords", deref(ed.Keywords), maxKeywords}, {"add_keywords", ed.AddKeywords, maxKeywords},
		{"remove_keywords", ed.RemoveKeywords, maxKeywords}, {"categories", deref(ed.Categories), maxCategories}} {
		if len(l.items) > l.max {
			return &FieldError{Field: l.field, Msg: fmt.Sprintf("%d values; at most %d", len(l.items), l.max)}
		}
		for _, v := range l.items {
			if n := utf8.RuneCountInString(v); n > maxKeywordLen {
				return &FieldError{Field: l.field, Msg: fmt.Sprintf("a value of %d characters; at most %d", n, maxKeywordLen)}
			}
		}
	}
	for _, f := range []struct {
		field string
		v     *string
	}{{"creator", ed.Creator}, {"credit", ed.Credit}, {"rights", ed.Rights}, {"licence", ed.Licence}, {"agency", ed.Agency}, {"place", ed.Place}} {
		if f.v != nil {
			if n := utf8.RuneCountInString(*f.v); n > maxFieldLen {
				return &FieldError{Field: f.field, Msg: fmt.Sprintf("%d characters; at most %d", n, maxFieldLen)}
			}
		}
	}
	return nil
}

// checkKeywordCount refuses an edit that leaves a record with more than
// maxKeywords keywords, unless it had more before (metadata embedded in a
// file) and the edit adds none.
func checkKeywordCount(kw []string, before int) error {
	if len(kw) > maxKeywords && len(kw) > before {
		return &FieldError{Field: "keywords", Msg: fmt.Sprintf("the record would have %d keywords; at most %d", len(kw), maxKeywords)}
	}
	return nil
}
