package api

import "github.com/haiduong/promo-archive/archive/report"

// pageLangs are the languages of the pages, the default first.
func pageLangs() []string { return []string{"vi", "en"} }

// labelSet is the page labels in one language, label key → text. The
// server builds one per page language when it starts (newWebUI) and only
// reads them afterwards.
type labelSet map[string]string

// labels builds the page labels in lang ("vi" or "en"; anything else is
// Vietnamese); "app.name" is the site title of the province
// (report.SiteTitle). TestWebLabels checks that both languages have the same keys
// and that every key the templates use exists. Category and place names
// come from the taxonomy, not from here.
func labels(lang, province string) labelSet {
	type pair struct{ vi, en string }
	table := map[string]pair{
		"footer.text": {"Kho dữ liệu quảng bá hình ảnh của tỉnh. Khi dùng ảnh, hãy ghi nguồn như dòng ghi công.", "The province's image-promotion archive. When you use a picture, print its credit line."},

		"nav.label":     {"Điều hướng chính", "Main navigation"},
		"nav.skip":      {"Chuyển đến nội dung", "Skip to content"},
		"nav.search":    {"Tìm kiếm", "Search"},
		"nav.ingest":    {"Nhập tư liệu", "Ingest"},
		"nav.otherlang": {"English", "Tiếng Việt"}, // the name of the language the switch leads to
		"nav.signin":    {"Đăng nhập", "Sign in"},
		"nav.signout":   {"Đăng xuất", "Sign out"},
		"nav.signedin":  {"Đã đăng nhập:", "Signed in as"},

		"role.portal":  {"cổng thông tin", "portal"},
		"role.agency":  {"cơ quan", "agency"},
		"role.curator": {"biên tập viên", "curator"},
		"role.admin":   {"quản trị viên", "administrator"},

		"search.title":       {"Tìm kiếm tư liệu", "Search the archive"},
		"search.label":       {"Từ khóa tìm kiếm", "Search words"},
		"search.placeholder": {"Ví dụ: lễ hội Côn Sơn", "For example: Con Son festival"},
		"search.advanced":    {"Cú pháp nâng cao (trường:giá trị, \"cụm từ\", *)", "Advanced syntax (field:value, \"phrase\", *)"},
		"search.corrected":   {"Không có kết quả cho từ đã gõ; hiển thị kết quả cho:", "Nothing matched the words as typed; showing results for:"},
		"search.submit":      {"Tìm", "Search"},
		"search.from":        {"Từ ngày", "From"},
		"search.to":          {"Đến ngày", "To"},
		"search.sort":        {"Sắp xếp", "Sort"},
		"search.filters":     {"Lọc kết quả", "Filters"},
		"search.clear":       {"Bỏ mọi bộ lọc", "Clear all filters"},
		"search.selected":    {"đang chọn", "selected"},
		"search.results":     {"kết quả", "results"},
		"search.none":        {"Không tìm thấy tư liệu nào. Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc.", "Nothing found. Try other words or fewer filters."},
		"search.bad":         {"Yêu cầu tìm kiếm không hợp lệ:", "The search is not valid:"},
		"search.pages":       {"Phân trang", "Pages"},
		"search.page":        {"Trang", "Page"},
		"search.prev":        {"← Trang trước", "← Previous"},
		"search.next":        {"Trang sau →", "Next →"},

		"sort.relevance": {"Phù hợp nhất", "Best match"},
		"sort.newest":    {"Mới chụp nhất", "Newest first"},
		"sort.oldest":    {"Cũ nhất", "Oldest first"},
		"sort.added":     {"Mới nhập", "Recently added"},

		"facet.kind":        {"Loại", "Kind"},
		"facet.category":    {"Chủ đề", "Category"},
		"facet.place":       {"Địa danh", "Place"},
		"facet.year":        {"Năm", "Year"},
		"facet.yearunknown": {"Không rõ ngày", "Date unknown"},
		"facet.keyword":     {"Từ khóa", "Keyword"},

		"kind.photo":       {"Ảnh", "Photo"},
		"kind.video":       {"Video", "Video"},
		"kind.publication": {"Ấn phẩm", "Publication"},

		"vis.public":   {"Công khai", "Public"},
		"vis.internal": {"Nội bộ", "Internal"},

		"status.draft":     {"Bản nháp", "Draft"},
		"status.review":    {"Chờ duyệt", "In review"},
		"status.published": {"Đã xuất bản", "Published"},
		"status.withdrawn": {"Đã thu hồi", "Withdrawn"},

		"field.kind":       {"Loại", "Kind"},
		"field.captured":   {"Thời điểm chụp", "Taken"},
		"field.filedate":   {"Ngày của tệp (tệp không ghi ngày chụp)", "File date (the file gives no capture date)"},
		"field.published":  {"Ngày xuất bản", "Publication date"},
		"field.recorded":   {"Thời điểm quay", "Recorded"},
		"field.place":      {"Địa danh", "Place"},
		"field.categories": {"Chủ đề", "Categories"},
		"field.keywords":   {"Từ khóa", "Keywords"},
		"field.creator":    {"Tác giả", "Creator"},
		"field.credit":     {"Nguồn", "Credit"},
		"field.rights":     {"Bản quyền", "Copyright"},
		"field.licence":    {"Giấy phép", "Licence"},
		"field.size":       {"Kích thước", "Size"},
		"field.camera":     {"Máy ảnh", "Camera"},
		"field.agency":     {"Đơn vị đóng góp", "Contributed by"},
		"field.visibility": {"Phạm vi", "Visibility"},
		"field.status":     {"Trạng thái", "Status"},
		"field.file":       {"Tệp gốc", "Source file"},
		"field.gps":        {"Tọa độ", "Coordinates"},

		"field.publish_at":       {"Công bố từ", "Published from"},
		"field.unpublish_at":     {"Ngừng công bố từ", "Withdrawn from"},
		"field.rights_expire_at": {"Quyền sử dụng hết hạn", "Rights expire"},

		"asset.downloads":  {"Tải về", "Download"},
		"asset.credit":     {"Khi sử dụng, ghi nguồn như dòng dưới ảnh.", "When you use it, print the line under the picture."},
		"asset.map":        {"Xem trên bản đồ", "Show on a map"},
		"asset.edit":       {"Sửa thông tin", "Edit"},
		"asset.history":    {"Lịch sử thay đổi", "History"},
		"asset.historyerr": {"Không đọc được lịch sử thay đổi.", "The history could not be read."},
		"asset.nohistory":  {"Chưa có thay đổi nào.", "No changes yet."},

		"download.thumb":    {"Ảnh nhỏ", "Thumbnail"},
		"download.preview":  {"Ảnh xem trước", "Preview"},
		"download.original": {"Tệp gốc", "Original"},

		"hist.at":    {"Lúc", "When"},
		"hist.who":   {"Người sửa", "Who"},
		"hist.field": {"Trường", "Field"},
		"hist.old":   {"Giá trị cũ", "Old value"},
		"hist.new":   {"Giá trị mới", "New value"},
		"hist.via":   {"Qua", "Via"},

		"hist.langstatus": {"Duyệt bản dịch", "Language review"},
		"hist.ingest":     {"Nhập tư liệu", "Ingest"},
		"hist.draft":      {"bản nháp", "draft"},
		"hist.reviewed":   {"đã duyệt", "reviewed"},

		"via.cli":    {"dòng lệnh", "command line"},
		"via.api":    {"API", "API"},
		"via.web":    {"trang web", "web pages"},
		"via.csv":    {"bảng tính CSV", "CSV spreadsheet"},
		"via.ingest": {"nhập tư liệu", "ingest"},

		"edit.title":      {"Sửa thông tin", "Edit"},
		"edit.ftitle":     {"Tiêu đề", "Title"},
		"edit.fdesc":      {"Mô tả", "Description"},
		"edit.keywords":   {"Từ khóa (ngăn cách bằng dấu ;)", "Keywords (separated by ;)"},
		"edit.rights":     {"Quyền sử dụng", "Rights"},
		"edit.noplace":    {"(không có)", "(none)"},
		"edit.moveto":     {"Chuyển văn bản này sang ngôn ngữ", "Move this text to the language"},
		"edit.keep":       {"(giữ nguyên, chưa rõ ngôn ngữ)", "(keep it, language not stated)"},
		"edit.movetaken":  {"Ngôn ngữ được chọn đã có văn bản riêng; hãy xóa hoặc gộp văn bản đó trước khi chuyển.", "The language chosen has its own text; clear or merge it before moving."},
		"edit.movebad":    {"Ngôn ngữ được chọn không hợp lệ.", "The language chosen is not valid."},
		"edit.transition": {"không thể chuyển trạng thái như vậy. Quy trình: Bản nháp → Chờ duyệt → Đã xuất bản → Đã thu hồi; từ Chờ duyệt hoặc Đã thu hồi có thể trở về Bản nháp.", "that change of status is not allowed. The workflow: Draft → In review → Published → Withdrawn; from In review or Withdrawn back to Draft."},
		"edit.release":    {"Thời hạn công bố", "Release window"},
		"edit.zone":       {"Giờ theo múi giờ của kho:", "Times in the archive's time zone:"},
		"edit.nodate":     {"Để trống nếu không giới hạn.", "Leave empty for no limit."},
		"edit.save":       {"Lưu", "Save"},
		"edit.cancel":     {"Hủy", "Cancel"},
		"edit.saved":      {"Đã lưu thay đổi.", "Your changes are saved."},
		"edit.conflict":   {"Tư liệu vừa được người khác sửa. Biểu mẫu đã được nạp lại với thông tin mới nhất; hãy sửa lại.", "Someone else changed this asset meanwhile. The form now shows the latest values; make your change again."},

		"lang.vi": {"Tiếng Việt", "Vietnamese"},
		"lang.en": {"Tiếng Anh", "English"},
		"lang.zh": {"Tiếng Trung", "Chinese"},
		"lang.ja": {"Tiếng Nhật", "Japanese"},
		"lang.ko": {"Tiếng Hàn", "Korean"},
		// x-default: text whose language the file did not state.
		"lang.x-default": {"Chưa rõ ngôn ngữ", "Language not stated"},

		"ingest.title":   {"Nhập tư liệu", "Ingest"},
		"ingest.folder":  {"Thư mục trên máy chủ", "A folder on the server"},
		"ingest.paths":   {"Đường dẫn tuyệt đối, mỗi dòng một thư mục", "Absolute paths, one folder a line"},
		"ingest.start":   {"Bắt đầu nhập", "Start"},
		"ingest.upload":  {"Tải tệp lên", "Upload files"},
		"ingest.files":   {"Chọn tệp ảnh, video, ấn phẩm", "Choose photos, videos, publications"},
		"ingest.csvhint": {"Có thể chọn kèm tệp metadata.csv mô tả các tệp.", "You may include a metadata.csv describing the files."},
		"ingest.send":    {"Tải lên và nhập", "Upload and ingest"},

		"job.title":         {"Tiến trình nhập", "Ingest progress"},
		"job.title.backup":  {"Tiến trình sao lưu", "Backup progress"},
		"job.title.verify":  {"Tiến trình kiểm tra tệp gốc", "Verify progress"},
		"job.title.rethumb": {"Tiến trình tạo lại ảnh xem trước", "Rethumb progress"},
		"job.title.reindex": {"Tiến trình xây lại chỉ mục tìm kiếm", "Reindex progress"},
		"job.state":         {"Trạng thái", "State"},
		"job.progress":      {"Tiến độ", "Progress"},
		"job.files":         {"tệp", "files"},
		"job.queued":        {"Đang chờ", "Queued"},
		"job.running":       {"Đang chạy", "Running"},
		"job.done":          {"Hoàn tất", "Done"},
		"job.failed":        {"Lỗi", "Failed"},
		"job.interrupted":   {"Bị gián đoạn", "Interrupted"},
		"job.resume":        {"Tiếp tục", "Resume"},
		"job.added":         {"Thêm mới", "Added"},
		"job.duplicate":     {"Trùng lặp", "Duplicate"},
		"job.unchanged":     {"Không đổi", "Unchanged"},
		"job.rejected":      {"Bị từ chối", "Rejected"},
		"job.results":       {"Kết quả từng tệp", "Result per file"},
		"job.file":          {"Tệp", "File"},
		"job.result":        {"Kết quả", "Result"},
		"job.see":           {"Xem các tư liệu mới nhập", "See what was added"},

		"signin.title":  {"Đăng nhập", "Sign in"},
		"signin.help":   {"Nhập khóa API do quản trị cấp cho đơn vị của bạn. Khóa được giữ trong cookie của trình duyệt này cho đến khi bạn đăng xuất.", "Enter the API key your unit was given. It is kept in a cookie of this browser until you sign out."},
		"signin.key":    {"Khóa API", "API key"},
		"signin.submit": {"Đăng nhập", "Sign in"},
		"signin.bad":    {"Khóa không đúng, đã thu hồi hoặc không hợp lệ.", "The key is unknown, revoked or malformed."},

		"err.back":     {"Về trang tìm kiếm", "Back to search"},
		"err.notfound": {"Không tìm thấy", "Not found"},
		"err.resume":   {"Không thể tiếp tục việc này.", "The job cannot be resumed."},
		"err.csrf":     {"Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.", "The form expired or is not valid. Reload the page and try again."},
		"err.curator":  {"Việc này cần khóa của biên tập viên.", "This needs a curator's key."},
		"err.noedit":   {"Máy chủ này không cho phép sửa.", "This server does not edit."},
		"err.slow":     {"Tìm kiếm quá lâu; hãy thu hẹp điều kiện.", "The search took too long; narrow it."},
		"err.admin":    {"Việc này cần khóa của quản trị viên.", "This needs an administrator's key."},

		"nav.keys":         {"Khóa API", "API keys"},
		"keys.title":       {"Quản lý khóa API", "API keys"},
		"keys.intro":       {"Khóa API cho cơ quan, cổng thông tin và biên tập viên dùng máy chủ. Chỉ lưu mã băm của khóa: khóa chỉ hiện một lần, khi tạo hoặc thay.", "API keys let agencies, the portal and curators use the server. Only a hash of each key is stored: a key is shown once, when it is made or replaced."},
		"keys.new":         {"Khóa mới — hãy sao chép ngay, khóa sẽ không hiện lại:", "The new key — copy it now, it is not shown again:"},
		"keys.create":      {"Tạo khóa", "Make a key"},
		"keys.name":        {"Người hoặc đơn vị giữ khóa", "Who holds the key"},
		"keys.role":        {"Vai trò", "Role"},
		"keys.expires":     {"Ngày cuối cùng dùng được (để trống: đến khi thu hồi)", "Last day the key works (empty: until revoked)"},
		"keys.submit":      {"Tạo khóa", "Make the key"},
		"keys.list":        {"Các khóa", "Keys"},
		"keys.id":          {"Mã", "Id"},
		"keys.created":     {"Ngày tạo", "Created"},
		"keys.expiry":      {"Hết hạn", "Expires"},
		"keys.lastused":    {"Dùng lần cuối", "Last used"},
		"keys.revokedat":   {"Thu hồi", "Revoked"},
		"keys.actions":     {"Thao tác", "Actions"},
		"keys.revoke":      {"Thu hồi", "Revoke"},
		"keys.rotate":      {"Thay khóa mới", "Replace"},
		"keys.never":       {"không hết hạn", "never"},
		"keys.none":        {"Chưa có khóa nào.", "No keys yet."},
		"keys.revoked":     {"Đã thu hồi khóa; các phiên đăng nhập của khóa đã kết thúc.", "The key was revoked; its browser sessions have ended."},
		"keys.unavailable": {"Máy chủ này không quản lý khóa.", "This server manages no keys."},

		"nav.duplicates":  {"Ảnh trùng lặp", "Near-duplicates"},
		"dup.title":       {"Ảnh gần trùng lặp", "Near-duplicate pictures"},
		"dup.intro":       {"Các nhóm ảnh và video có dấu vân ảnh khác nhau không quá", "Groups of photos and video posters whose perceptual hashes differ by at most"},
		"dup.bits":        {"bit. Chọn bản giữ lại; các bản khác được rút (trạng thái đã rút, có ghi nhật ký).", "bits. Choose the one to keep; the others are withdrawn (status withdrawn, in the audit trail)."},
		"dup.none":        {"Không còn nhóm ảnh trùng lặp nào.", "No near-duplicates left."},
		"dup.group":       {"Nhóm", "Group"},
		"dup.keep":        {"Giữ bản này", "Keep this one"},
		"dup.withdraw":    {"Giữ bản đã chọn, rút các bản khác", "Keep the chosen one, withdraw the others"},
		"dup.merge":       {"Gộp mô tả vào bản đã chọn, rút các bản khác", "Merge the descriptions into the chosen one, withdraw the others"},
		"dup.complete":    {"Mô tả đầy đủ", "Metadata complete"},
		"dup.done":        {"Đã xử lý nhóm ảnh trùng lặp.", "The group was resolved."},
		"dup.bad":         {"Yêu cầu không hợp lệ: hãy chọn một bản để giữ trong nhóm.", "Not a valid request: choose one asset of the group to keep."},
		"dup.failed":      {"Không sửa được", "Could not change"},
		"dup.unavailable": {"Máy chủ này không tìm ảnh trùng lặp.", "This server does not find near-duplicates."},
	}
	for k, p := range collectionLabels() {
		table[k] = pair{p[0], p[1]}
	}
	out := make(labelSet, len(table)+1)
	out["app.name"] = report.SiteTitle(province, lang)
	for k, p := range table {
		if lang == "en" {
			out[k] = p.en
		} else {
			out[k] = p.vi
		}
	}
	return out
}
