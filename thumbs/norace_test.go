//go:build !race

package thumbs

const raceEnabled = false
