package api

import (
	"errors"
	"strings"

	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
)

// reasonsVI pairs the words of the ingest and validation messages curators
// read on the pages (a file's result, a refused edit) with their
// Vietnamese. The archive writes its messages in English; the values in
// them (a file name, a code, a date) stay as they are.
func reasonsVI() *strings.Replacer {
	return strings.NewReplacer(
		ingest.WarnNotPublished, "đã thêm ở trạng thái Chờ duyệt, chưa xuất bản: muốn xuất bản cần có tiêu đề tiếng Việt (title_vi)",
		"a published record needs a Vietnamese title (set title.vi first)", "muốn xuất bản cần có tiêu đề tiếng Việt (hãy nhập tiêu đề tiếng Việt trước)",
		"media: unsupported file type: looks like ", "kho không nhận loại tệp này; có vẻ là ",
		"media: unsupported file type", "kho không nhận loại tệp này",
		"archive: state secret", "tệp mang dấu mật nhà nước, không lưu gì của tệp",
		"archive: tool not installed", "chưa cài công cụ cần thiết",
		"curation: metadata.csv: ", "metadata.csv: ",
		"empty file", "tệp rỗng",
		"render: ", "không vẽ được ảnh thu nhỏ: ",
		"open: ", "không mở được tệp: ",
		"read: ", "không đọc được tệp: ",
		" row ", " dòng ",
		", column ", ", cột ",
		"unknown category ", "mã chủ đề không có trong danh mục: ",
		"unknown place code ", "mã địa danh không có trong danh mục: ",
		" is not a date (use 2024-03-01, 2024-03-01 14:30 or RFC 3339)", " không phải ngày giờ hợp lệ (hãy viết 2024-03-01, 2024-03-01 14:30 hoặc RFC 3339)",
		" is not after publish_at ", " không sau thời điểm công bố ",
		" is not public or internal", " không phải Công khai hay Nội bộ",
		"language given twice", "ngôn ngữ bị lặp",
		"parameter paths: ", "Đường dẫn: ",
		"give 1 to 1000 absolute paths on the server", "hãy nhập từ 1 đến 1000 đường dẫn tuyệt đối trên máy chủ",
		" is not an absolute path", " không phải đường dẫn tuyệt đối",
		" cannot be read by the server", " máy chủ không đọc được",
	)
}

// Reason is an ingest or validation message in the page's language: on
// Vietnamese pages its known words are translated (reasonsVI).
func (p *page) Reason(msg string) string {
	if p.Lang == "en" || msg == "" {
		return msg
	}
	return reasonsVI().Replace(msg)
}

// editRefusal is a refused edit as the form shows it: the field's name and
// the reason, in the page's language.
func editRefusal(pg *page, err error, detail string) string {
	var fe *curation.FieldError
	switch {
	case errors.Is(err, curation.ErrTransition):
		return pg.T("field.status") + ": " + pg.T("edit.transition")
	case errors.As(err, &fe):
		return auditFieldLabel(pg, fe.Field) + ": " + pg.Reason(fe.Msg)
	}
	return pg.Reason(detail)
}
