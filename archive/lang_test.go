package archive

import "testing"

func TestPickLang(t *testing.T) {
	m := map[string]string{"vi": "Chợ nổi", "en-GB": "Floating market", "x-default": "Market", "zh-Hant": "水上市場", "ja": "  "}
	tests := []struct {
		name  string
		m     map[string]string
		prefs []string
		text  string
		lang  string
	}{
		{"first present wins", m, []string{"ko", "zh-hant", "vi"}, "水上市場", "zh-Hant"},
		{"exact tag is case-insensitive", map[string]string{"zh-Hant": "水上市場"}, []string{"ZH-HANT"}, "水上市場", "zh-Hant"},
		{"base language finds a region", m, []string{"en"}, "Floating market", "en-GB"},
		{"en finds en-US before vi", map[string]string{"vi": "Chợ nổi Cái Răng", "en-US": "Cai Rang floating market"}, []string{"en"}, "Cai Rang floating market", "en-US"},
		{"exact tag before a variant", map[string]string{"en-US": "US", "en": "plain", "en-GB": "GB"}, []string{"en"}, "plain", "en"},
		{"closest variant", map[string]string{"en-GB": "GB", "en-US": "US"}, []string{"en"}, "US", "en-US"},
		{"zh finds zh-Hans before zh-Hant", map[string]string{"zh-Hant": "水上市場", "zh-Hans": "水上市场"}, []string{"zh"}, "水上市场", "zh-Hans"},
		{"zh-TW finds zh-Hant", map[string]string{"zh-Hant": "水上市場", "zh-Hans": "水上市场"}, []string{"zh-TW"}, "水上市場", "zh-Hant"},
		{"zh finds zh-Hant when alone", map[string]string{"vi": "Chợ nổi", "zh-Hant": "水上市場"}, []string{"zh"}, "水上市場", "zh-Hant"},
		{"region tag finds the bare language", map[string]string{"vi": "Chợ nổi", "en": "Market"}, []string{"en-AU"}, "Market", "en"},
		{"preference order beats closeness", map[string]string{"en-GB": "GB", "vi": "Chợ nổi"}, []string{"en", "vi"}, "GB", "en-GB"},
		{"blank counts as absent", m, []string{"ja"}, "Chợ nổi", "vi"},
		{"blank preference skipped", m, []string{" ", ""}, "Chợ nổi", "vi"},
		{"malformed preference skipped", m, []string{"not a tag!"}, "Chợ nổi", "vi"},
		{"no prefs: vi", m, nil, "Chợ nổi", "vi"},
		{"no vi: en", map[string]string{"en-US": "Market", "de": "Markt", "x-default": "M"}, nil, "Market", "en-US"},
		{"tagged text before x-default", map[string]string{"x-default": "Market", "ko": "시장", "ja": "市場"}, []string{"fr"}, "市場", "ja"},
		{"x-default as a last resort", map[string]string{"x-default": "Market", "ja": " "}, []string{"ko"}, "Market", "x-default"},
		{"x-default asked for by name", map[string]string{"x-default": "Market", "vi": "Chợ"}, []string{"x-default"}, "Market", "x-default"},
		{"malformed key served only by name", map[string]string{"not a tag": "?"}, []string{"en"}, "", ""},
		{"nothing", map[string]string{"en": " "}, []string{"ko"}, "", ""},
		{"nil map", nil, []string{"en"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, lang := PickLang(tt.m, tt.prefs)
			if text != tt.text || lang != tt.lang {
				t.Errorf("PickLang(%v, %q) = %q, %q; want %q, %q", tt.m, tt.prefs, text, lang, tt.text, tt.lang)
			}
		})
	}
}

func TestDisplayTitle(t *testing.T) {
	tests := []struct {
		name       string
		title      map[string]string
		prefs      []string
		text, lang string
	}{
		{"picked title", map[string]string{"vi": "Chợ nổi", "en-US": "Floating market"}, []string{"en"}, "Floating market", "en-US"},
		{"no preference: Vietnamese", map[string]string{"vi": "Chợ nổi", "en-US": "Floating market"}, nil, "Chợ nổi", "vi"},
		{"file name without a title", map[string]string{"vi": "  "}, []string{"vi"}, "IMG_0001.JPG", ""},
		{"file name with no titles", nil, nil, "IMG_0001.JPG", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Record{OriginalName: "IMG_0001.JPG", Title: tt.title}
			text, lang := r.DisplayTitle(tt.prefs...)
			if text != tt.text || lang != tt.lang {
				t.Errorf("DisplayTitle(%q) = %q, %q; want %q, %q", tt.prefs, text, lang, tt.text, tt.lang)
			}
		})
	}
}
