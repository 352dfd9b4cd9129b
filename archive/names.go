package archive

// DefaultProvince is the province the archive promotes when the settings
// (ROOT/config.json "province") name none.
const DefaultProvince = "Hải Dương"

// SiteTitle is the archive's name for the province in lang ("en", else
// Vietnamese): the title of the web pages and the heading of the reports,
// so that both say the same.
func SiteTitle(province, lang string) string {
	if province == "" {
		province = DefaultProvince
	}
	if lang == "en" {
		return province + " promotion archive"
	}
	return "Kho ảnh quảng bá " + province
}
