package archive

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestSecretMarking(t *testing.T) {
	tests := []struct {
		in    string
		want  string // "" means not a marking
		field string
	}{
		{"Mật", "Mật", ""},
		{"MẬT", "Mật", ""},
		{"mật", "Mật", ""},
		{norm.NFD.String("Mật"), "Mật", "decomposed (NFD) input"},
		{"Tối Mật", "Tối mật", ""},
		{"TỐI MẬT", "Tối mật", ""},
		{"TUYỆT MẬT", "Tuyệt mật", ""},
		{"tuyệt  mật", "Tuyệt mật", "double space"},
		{"TOI MAT", "Tối mật", "no diacritics"},
		{"Secret", "Secret", ""},
		{"TOP SECRET", "Top secret", ""},
		{"Confidential", "Confidential", ""},
		{"MẬT: không phổ biến", "Mật", "leading marking"},
		{"[TỐI MẬT]", "Tối mật", "bracketed"},
		{"Độ mật: Tuyệt mật", "Tuyệt mật", "labelled"},
		{"Classification: SECRET", "Secret", "labelled"},
		{"Embargo 01/07; MẬT", "Mật", "a later segment"},
		{"Mật.", "Mật", "trailing punctuation"},
		// Not markings.
		{"", "", ""},
		{"Mật ong Hải Dương", "", "honey"},
		{"mật khẩu: 1234", "", "password"},
		{"Bí mật làng nghề", "", "secret as an ordinary word"},
		{"Không mật", "", "not secret"},
		{"Secret garden", "", ""},
		{"Confidentiality notice", "", "word containing a marking"},
		{"Mat", "", "bare mat is a common word"},
		{"Matxcova", "", ""},
		{"Ghi chú: tài liệu mật", "", "marking not leading"},
		{"Công khai", "", "public"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := SecretMarking(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("SecretMarking(%q) [%s] = %q, %v; want %q", tt.in, tt.field, got, ok, tt.want)
			}
		})
	}
}
