//go:build race

package api

// raceEnabled makes the OpenSeadragon test use a 6 MP photo instead of
// 24 MP: the race detector slows JPEG coding about twenty-fold.
const raceEnabled = true
