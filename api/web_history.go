package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

type historyRow struct{ At, Who, Field, Old, New, Via string }

// historyRows are a record's audit entries as the asset page shows them,
// newest first, in the page's language: field names, codes, statuses and
// dates as people read them, not as the audit log stores them.
func (s *Server) historyRows(entries []archive.AuditEntry, pg *page) []historyRow {
	rows := make([]historyRow, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		rows = append(rows, historyRow{At: e.At.In(s.loc).Format("2006-01-02 15:04"), Who: e.Who,
			Field: auditFieldLabel(pg, e.Field), Old: s.auditValue(pg, e.Field, e.Old), New: s.auditValue(pg, e.Field, e.New),
			Via: pg.T("via." + string(e.Via))})
	}
	return rows
}

// auditFieldLabel names an audit field for people: "title.vi" is
// "Tiêu đề (Tiếng Việt)", "status" "Trạng thái". An unknown field is shown
// as the log names it.
func auditFieldLabel(pg *page, field string) string {
	name, lang, hasLang := strings.Cut(field, ".")
	key := "field." + name
	switch name {
	case "title":
		key = "edit.ftitle"
	case "description":
		key = "edit.fdesc"
	case "captured_at":
		key = "field.captured"
	case "lang_status":
		key = "hist.langstatus"
	case "ingest":
		key = "hist.ingest"
	}
	label := pg.T(key)
	if label == key {
		return field
	}
	if hasLang {
		label += " (" + langName(pg, lang) + ")"
	}
	return label
}

// auditValue shows an audit value of field for people: category and place
// codes by their names, statuses and visibilities by their labels, times in
// the archive's zone, lists joined with "; ".
func (s *Server) auditValue(pg *page, field string, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "—"
	}
	name, _, _ := strings.Cut(field, ".")
	var str string
	var list []string
	var obj map[string]string
	switch {
	case json.Unmarshal(raw, &str) == nil:
		return s.auditString(pg, name, str)
	case json.Unmarshal(raw, &list) == nil:
		if name == "categories" {
			list = s.categoryLabels(list, pg.Lang)
		}
		if len(list) == 0 {
			return "—"
		}
		return strings.Join(list, "; ")
	case name == "ingest" && json.Unmarshal(raw, &obj) == nil:
		out := pg.T("job." + obj["status"])
		if obj["path"] != "" {
			out += ": " + obj["path"]
		}
		if obj["reason"] != "" {
			out += " (" + obj["reason"] + ")"
		}
		return out
	}
	return string(raw)
}

// auditString shows one string value of the audit field name.
func (s *Server) auditString(pg *page, name, v string) string {
	switch name {
	case "status":
		return pg.T("status." + v)
	case "visibility":
		return pg.T("vis." + v)
	case "lang_status":
		return pg.T("hist." + v)
	case "place":
		return s.placeLabel(v, v, pg.Lang)
	case "captured_at", "publish_at", "unpublish_at", "rights_expire_at":
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return formatDate(t, s.loc, pg.Lang) + " " + t.In(s.loc).Format("15:04")
		}
	}
	return v
}
