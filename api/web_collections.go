package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
)

// The collection pages: the list, a collection (its assets, downloads in
// the preset sizes, and for its owner and curators the changes and share
// links), the chooser that adds assets from the search results and the
// asset page, and the page of a share link. They go through the same
// functions as the JSON API (changeItems, the collections store, fileFor).

// collectionLabels are the labels of the collection pages, vi and en.
func collectionLabels() map[string][2]string {
	return map[string][2]string{
		"nav.collections":    {"Bộ sưu tập", "Collections"},
		"coll.title":         {"Bộ sưu tập", "Collections"},
		"coll.none":          {"Chưa có bộ sưu tập nào.", "No collections yet."},
		"coll.new":           {"Bộ sưu tập mới", "New collection"},
		"coll.titlevi":       {"Tiêu đề (tiếng Việt)", "Title (Vietnamese)"},
		"coll.titleen":       {"Tiêu đề (tiếng Anh)", "Title (English)"},
		"coll.visibility":    {"Ai được xem", "Who may see it"},
		"coll.vis.private":   {"Riêng tôi", "Only me"},
		"coll.vis.agencies":  {"Các cơ quan", "All agencies"},
		"coll.vis.public":    {"Mọi người", "Everyone"},
		"coll.create":        {"Tạo", "Create"},
		"coll.assets":        {"tư liệu", "assets"},
		"coll.owner":         {"Người tạo", "Owner"},
		"coll.download":      {"Tải cả bộ (ZIP, kèm ghi công)", "Download all (ZIP, with credits)"},
		"coll.remove":        {"Bỏ các mục đã chọn", "Remove the selected"},
		"coll.movefirst":     {"Đưa các mục đã chọn lên đầu", "Move the selected to the top"},
		"coll.select":        {"Chọn", "Select"},
		"coll.save":          {"Lưu", "Save"},
		"coll.share":         {"Chia sẻ bằng đường dẫn", "Share by link"},
		"coll.days":          {"Số ngày hiệu lực", "Valid for (days)"},
		"coll.allowdownload": {"Cho phép tải bản gốc", "Allow downloading originals"},
		"coll.makeshare":     {"Tạo đường dẫn", "Make a link"},
		"coll.newshare":      {"Đường dẫn chia sẻ (chỉ hiện một lần, hãy sao chép ngay):", "Share link (shown only once; copy it now):"},
		"coll.shares":        {"Các đường dẫn đã chia sẻ", "Share links"},
		"coll.until":         {"đến", "until"},
		"coll.revoke":        {"Thu hồi", "Revoke"},
		"coll.revoked":       {"đã hết hạn hoặc bị thu hồi", "expired or revoked"},
		"coll.log":           {"Nhật ký thay đổi", "Changes"},
		"coll.add":           {"Thêm vào bộ sưu tập", "Add to a collection"},
		"coll.addselected":   {"Thêm các mục đã chọn vào bộ sưu tập", "Add the selected to a collection"},
		"coll.choose":        {"Chọn bộ sưu tập", "Choose a collection"},
		"coll.ornew":         {"hoặc tạo bộ mới với tiêu đề", "or make a new one titled"},
		"coll.adding":        {"Sẽ thêm", "Adding"},
		"coll.shared":        {"Bộ sưu tập được chia sẻ", "Shared collection"},
		"coll.expires":       {"Đường dẫn hết hạn", "The link expires"},
		"coll.sizes":         {"Kích cỡ", "Size"},
		"size.small":         {"Nhỏ (640 px)", "Small (640 px)"},
		"size.medium":        {"Vừa (1280 px)", "Medium (1280 px)"},
		"size.large":         {"Lớn (2560 px)", "Large (2560 px)"},
		"size.original":      {"Bản gốc", "Original"},
		"coll.purpose":       {"Mục đích", "Purpose"},
		"dl.submit":          {"Tải về", "Download"},
		"purpose.print":      {"Ấn phẩm in", "Printed matter"},
		"purpose.press":      {"Báo chí", "Press"},
		"purpose.web":        {"Trang web", "Web"},
		"purpose.exhibition": {"Triển lãm", "Exhibition"},
		"purpose.other":      {"Khác", "Other"},
		"err.collection":     {"Không thay đổi được bộ sưu tập:", "The collection was not changed:"},
		"err.collectionsoff": {"Máy chủ này không có bộ sưu tập.", "This server has no collections."},
		"coll.needkey":       {"Cần đăng nhập bằng khóa cơ quan hoặc biên tập viên.", "This needs an agency or curator key."},
	}
}

// collectionPageRoutes are the collection pages, beside webRoutes.
func collectionPageRoutes() []route {
	return []route{
		{"GET", "/collections", (*Server).pageCollections},
		{"POST", "/collections", (*Server).pageCollectionCreate},
		{"GET", "/collections/add", (*Server).pageCollectionAdd},
		{"POST", "/collections/add", (*Server).pageCollectionAddPost},
		{"GET", "/collections/{id}", (*Server).pageCollection},
		{"POST", "/collections/{id}", (*Server).pageCollectionPost},
		{"GET", "/shares/{token}", (*Server).pageShare},
	}
}

type collectionCard struct {
	ID, Title, URL, Thumb, Visibility string
	Count                             int
}

type itemCard struct {
	ID, Title, TitleLang, URL, Thumb, Attribution string
}

type shareRow struct {
	ID, Until string
	Download  bool
	Active    bool
}

type collectionPage struct {
	ID, Title, Description, Visibility, Owner string
	Items                                     []itemCard
	Editable                                  bool
	Downloads                                 []download
	Sizes, Purposes                           []string
	DownloadURL                               string // the ZIP, without parameters
	Shares                                    []shareRow
	NewShare                                  string
	Log                                       []collections.Change
	Expires                                   string // share pages
}

// pageCollectionsOn renders the error page when the server has no
// collections.
func (s *Server) pageCollectionsOn(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Collections == nil {
		s.renderError(w, r, http.StatusServiceUnavailable, "err.collectionsoff")
		return false
	}
	return true
}

func (s *Server) pageCollections() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.pageCollectionsOn(w, r) {
			return
		}
		p := principalFrom(r.Context())
		list, err := s.collectionList(p)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		pg := s.newPage(w, r)
		pg.Title = pg.T("coll.title")
		var cards []collectionCard
		for _, c := range list {
			card := collectionCard{ID: c.ID, URL: "/collections/" + c.ID, Count: c.ItemCount, Visibility: pg.T("coll.vis." + string(c.Visibility))}
			card.Title, _ = archive.PickLang(c.Title, []string{pg.Lang})
			if c.Cover != "" {
				card.Thumb = renditionPath(c.Cover, archive.RenditionThumb)
			}
			cards = append(cards, card)
		}
		pg.Data = struct {
			Cards     []collectionCard
			CanCreate bool
		}{cards, collections.CanCreate(callerOf(p))}
		s.render(w, r, http.StatusOK, "collections", pg)
	}
}

// formVisibility reads the visibility field of a form.
func formVisibility(r *http.Request) *string {
	v := r.PostFormValue("visibility")
	if v == "" {
		return nil
	}
	return &v
}

func (s *Server) pageCollectionCreate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.pageCollectionsOn(w, r) {
			return
		}
		c, err := s.deps.Collections.Create(callerOf(principalFrom(r.Context())), collections.Fields{
			Title:      map[string]string{"vi": r.PostFormValue("title_vi"), "en": r.PostFormValue("title_en")},
			Visibility: formVisibility(r)}, s.now())
		if err != nil {
			s.pageCollectionError(w, r, err)
			return
		}
		http.Redirect(w, r, "/collections/"+c.ID, http.StatusSeeOther)
	}
}

// pageCollectionError answers a refused change with the error page.
func (s *Server) pageCollectionError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail, _ := problemFor(err)
	if status == http.StatusInternalServerError {
		s.internalError(w, r, err)
		return
	}
	if principalFrom(r.Context()).Anonymous() {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}
	s.renderError(w, r, status, "err.collection", detail)
}

// viewPage builds the page of c as p sees it.
func (s *Server) viewPage(pg *page, c *collections.Collection, p Principal) (*collectionPage, error) {
	recs, err := s.visibleItems(c, p)
	if err != nil {
		return nil, err
	}
	cp := &collectionPage{ID: c.ID, Visibility: pg.T("coll.vis." + string(c.Visibility)), Owner: c.OwnerName,
		Editable: c.EditableBy(callerOf(p)), DownloadURL: collectionPath(c.ID) + "/download", Purposes: Purposes()}
	cp.Title, _ = archive.PickLang(c.Title, []string{pg.Lang})
	cp.Description, _ = archive.PickLang(c.Description, []string{pg.Lang})
	for _, size := range slices.Backward(Presets()) { // the largest allowed first: the form's default
		if presetAllowed(p, size) {
			cp.Sizes = append(cp.Sizes, size)
		}
	}
	for _, rec := range recs {
		it := itemCard{ID: rec.ID, URL: "/assets/" + rec.ID, Attribution: attribution(rec)}
		it.Title, it.TitleLang = rec.DisplayTitle(pg.Lang)
		it.TitleLang = htmlLang(it.TitleLang)
		if _, ok := rec.Rendition(archive.RenditionThumb); ok {
			it.Thumb = renditionPath(rec.ID, archive.RenditionThumb)
		}
		cp.Items = append(cp.Items, it)
	}
	if cp.Editable {
		cp.Log = c.Log
		shares, err := s.deps.Collections.Shares(c.ID)
		if err != nil {
			return nil, err
		}
		for _, sh := range shares {
			cp.Shares = append(cp.Shares, shareRow{ID: sh.ID, Until: sh.ExpiresAt.In(s.loc).Format("2006-01-02"), Download: sh.Download, Active: sh.Active(s.now())})
		}
	}
	return cp, nil
}

// pageCollectionFor returns the collection of the path if the caller may
// see it; otherwise it has answered.
func (s *Server) pageCollectionFor(w http.ResponseWriter, r *http.Request) *collections.Collection {
	if !s.pageCollectionsOn(w, r) {
		return nil
	}
	c, err := s.deps.Collections.Get(r.PathValue("id"))
	if errors.Is(err, archive.ErrNotFound) || err == nil && !c.VisibleTo(callerOf(principalFrom(r.Context()))) {
		s.renderError(w, r, http.StatusNotFound, "err.notfound")
		return nil
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil
	}
	return c
}

func (s *Server) pageCollection() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.pageCollectionFor(w, r)
		if c == nil {
			return
		}
		s.renderCollection(w, r, c, "")
	}
}

// renderCollection renders c's page; newShare is a share link just made.
func (s *Server) renderCollection(w http.ResponseWriter, r *http.Request, c *collections.Collection, newShare string) {
	pg := s.newPage(w, r)
	cp, err := s.viewPage(pg, c, principalFrom(r.Context()))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	cp.NewShare = newShare
	pg.Title = cp.Title
	pg.Data = cp
	s.render(w, r, http.StatusOK, "collection", pg)
}

// pageCollectionPost applies a form of the collection page: remove or
// move the selected assets, change the visibility, make or revoke a share
// link.
func (s *Server) pageCollectionPost() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.pageCollectionFor(w, r)
		if c == nil {
			return
		}
		by, now := callerOf(principalFrom(r.Context())), s.now()
		var err error
		switch r.PostFormValue("action") {
		case "remove":
			c, err = s.changeItems(r, c.ID, ItemsRequest{Action: "remove", IDs: r.PostForm["ids"]})
		case "movefirst":
			first := 0
			c, err = s.changeItems(r, c.ID, ItemsRequest{Action: "move", IDs: r.PostForm["ids"], Position: &first})
		case "visibility":
			c, err = s.deps.Collections.Update(c.ID, collections.Fields{Visibility: formVisibility(r)}, by, now)
		case "share":
			days, _ := strconv.Atoi(r.PostFormValue("days"))
			var token string
			token, _, err = s.deps.Collections.CreateShare(c.ID, now.AddDate(0, 0, max(days, 1)), r.PostFormValue("download") == "1", by, now)
			if err == nil {
				if c, err = s.deps.Collections.Get(c.ID); err == nil {
					s.renderCollection(w, r, c, "/shares/"+token)
					return
				}
			}
		case "revoke":
			_, err = s.deps.Collections.RevokeShare(c.ID, r.PostFormValue("share"), by, now)
		default:
			err = perr("action", "not a change of this page")
		}
		if err != nil {
			s.pageCollectionError(w, r, err)
			return
		}
		http.Redirect(w, r, "/collections/"+r.PathValue("id"), http.StatusSeeOther)
	}
}

// pageCollectionAdd is the chooser: the assets ids= go into one of the
// caller's collections or a new one.
func (s *Server) pageCollectionAdd() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.pageCollectionsOn(w, r) {
			return
		}
		p := principalFrom(r.Context())
		if p.Anonymous() {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		if !collections.CanCreate(callerOf(p)) {
			s.renderError(w, r, http.StatusForbidden, "coll.needkey")
			return
		}
		pg := s.newPage(w, r)
		pg.Title = pg.T("coll.add")
		list, err := s.deps.Collections.List(callerOf(p))
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		var cards []collectionCard
		for _, c := range list {
			if c.EditableBy(callerOf(p)) {
				card := collectionCard{ID: c.ID, Count: len(c.Items)}
				card.Title, _ = archive.PickLang(c.Title, []string{pg.Lang})
				cards = append(cards, card)
			}
		}
		var items []itemCard
		now := s.now()
		for _, id := range r.URL.Query()["ids"] {
			if rec, err := s.deps.Records.Get(id); err == nil && visibleTo(p, rec, now) {
				it := itemCard{ID: rec.ID}
				it.Title, _ = rec.DisplayTitle(pg.Lang)
				items = append(items, it)
			}
		}
		pg.Data = struct {
			Cards []collectionCard
			Items []itemCard
		}{cards, items}
		s.render(w, r, http.StatusOK, "collection_add", pg)
	}
}

func (s *Server) pageCollectionAddPost() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.pageCollectionsOn(w, r) {
			return
		}
		id := r.PostFormValue("collection")
		if title := strings.TrimSpace(r.PostFormValue("new_title")); title != "" {
			c, err := s.deps.Collections.Create(callerOf(principalFrom(r.Context())), collections.Fields{Title: map[string]string{"vi": title}}, s.now())
			if err != nil {
				s.pageCollectionError(w, r, err)
				return
			}
			id = c.ID
		}
		if _, err := s.changeItems(r, id, ItemsRequest{Action: "add", IDs: r.PostForm["ids"]}); err != nil {
			s.pageCollectionError(w, r, err)
			return
		}
		http.Redirect(w, r, "/collections/"+id, http.StatusSeeOther)
	}
}

// pageShare is a share link's page, for people without a key.
func (s *Server) pageShare() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg := s.newPage(w, r) // before the link's holder becomes the principal: nobody is signed in
		sc, ok := s.shareFrom(w, r)
		if !ok {
			return
		}
		cp, err := s.viewPage(pg, sc.c, sc.principal())
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		base := sharePath(sc.token)
		cp.Editable, cp.Log, cp.Shares, cp.Owner = false, nil, nil, ""
		cp.DownloadURL = base + "/download" // the sizes are the link's role's
		if !sc.share.Download {
			cp.Sizes, cp.DownloadURL = nil, ""
		}
		for i := range cp.Items {
			it := &cp.Items[i]
			it.URL = base + "/assets/" + it.ID + "/renditions/" + archive.RenditionPreview
			if it.Thumb != "" {
				it.Thumb = base + "/assets/" + it.ID + "/renditions/" + archive.RenditionThumb
			}
		}
		cp.Expires = sc.share.ExpiresAt.In(s.loc).Format("2006-01-02")
		pg.Title = cp.Title
		pg.Data = cp
		s.render(w, r, http.StatusOK, "collection", pg)
	}
}

// Purposes are the download purposes the asset page's size form offers.
func (assetPage) Purposes() []string { return Purposes() }
