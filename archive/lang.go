package archive

import (
	"maps"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/haiduong/promo-archive/archive/media"
)

// TextLanguages are the languages curators describe assets in, each with
// its own columns, form fields and reports: Vietnamese and the four the
// regulation names for promotion.
func TextLanguages() []string { return []string{"vi", "en", "zh", "ja", "ko"} }

// fallbackLangs are the languages tried after a reader's own, in order:
// Vietnamese, the archive's language, then English, the other language of
// the pages.
func fallbackLangs() []string { return []string{"vi", "en"} }

// PickLang returns the text to show from a language map (a title or a
// description) to a reader who prefers the languages prefs, most preferred
// first, and the map key it came from; "", "" when the map holds no text.
// It is the one language picker of the archive: the API, the pages, the
// CLI and the reports all show what it picks.
//
// Each preference, then each of fallbackLangs, is matched in turn against
// the map's tags by BCP 47 (golang.org/x/text/language): an exact tag
// first (case-insensitive, "zh-hant" finds "zh-Hant"), else the closest
// variant of the same language ("en" finds "en-US", "zh" finds "zh-Hans"
// before "zh-Hant"). When none matches, the first other tagged text (in
// sorted tag order) is served, and "x-default" (language unknown) only as
// a last resort. Blank texts count as absent.
func PickLang(m map[string]string, prefs []string) (text, lang string) {
	all := slices.DeleteFunc(slices.Sorted(maps.Keys(m)), func(k string) bool { return strings.TrimSpace(m[k]) == "" })
	var keys []string // the tagged ones, sorted: ties go to the first
	var tags []language.Tag
	for _, k := range all {
		if strings.EqualFold(k, media.XDefault) {
			continue
		}
		if t, err := language.Parse(k); err == nil {
			keys, tags = append(keys, k), append(tags, t)
		}
	}
	matcher := language.NewMatcher(tags)
	for _, p := range append(slices.Clone(prefs), fallbackLangs()...) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if i := slices.IndexFunc(all, func(k string) bool { return strings.EqualFold(k, p) }); i >= 0 {
			return m[all[i]], all[i]
		}
		t, err := language.Parse(p)
		if err != nil || len(tags) == 0 || strings.EqualFold(p, media.XDefault) {
			continue
		}
		if _, i, conf := matcher.Match(t); conf != language.No {
			return m[keys[i]], keys[i]
		}
	}
	if len(keys) > 0 {
		return m[keys[0]], keys[0]
	}
	if i := slices.IndexFunc(all, func(k string) bool { return strings.EqualFold(k, media.XDefault) }); i >= 0 {
		return m[all[i]], all[i]
	}
	return "", ""
}

// DisplayTitle is the title to show for r (PickLang of its titles for
// prefs), else its original file name with lang "".
func (r *Record) DisplayTitle(prefs ...string) (title, lang string) {
	if t, l := PickLang(r.Title, prefs); t != "" {
		return t, l
	}
	return r.OriginalName, ""
}
