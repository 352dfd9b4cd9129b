package media

import "testing"

func TestCameraName(t *testing.T) {
	tests := []struct {
		name string
		c    Camera
		want string
	}{
		{"make repeated in the model", Camera{Make: "Canon", Model: "Canon PowerShot G9"}, "Canon PowerShot G9"},
		{"make repeated in another case", Camera{Make: "NIKON CORPORATION", Model: "nikon corporation D70"}, "nikon corporation D70"},
		{"model without the make", Camera{Make: "Apple", Model: "iPhone 4"}, "Apple iPhone 4"},
		{"make only", Camera{Make: " LG "}, "LG"},
		{"model only", Camera{Model: "Nexus 5"}, "Nexus 5"},
		{"nothing", Camera{Lens: "50mm"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Name(); got != tt.want {
				t.Errorf("Name() = %q, want %q", got, tt.want)
			}
		})
	}
}
