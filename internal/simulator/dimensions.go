package simulator

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mmcloughlin/geohash"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// ZonePrecision is the geohash length of the zones in the dimension files:
// 6 characters is a cell of about 1.2 km × 0.6 km, a few dozen zones per city.
const ZonePrecision = 6

// Restaurant is one row of the restaurant dimension.
type Restaurant struct {
	ID       string // r-00042
	Name     string
	Cuisine  string
	Zone     string // geohash of Location, ZonePrecision characters
	Location event.Location
	menu     []menuItem
}

// Driver is one row of the driver dimension.
type Driver struct {
	ID       string // d-00017
	Name     string
	Vehicle  string
	HomeZone string // geohash of Home, ZonePrecision characters
	Home     event.Location
}

type menuItem struct {
	id    string
	cents int64
}

var (
	cuisines   = []string{"italian", "japanese", "indian", "mexican", "chinese", "thai", "burgers", "pizza", "vietnamese", "greek", "turkish", "korean", "vegan", "lebanese"}
	adjectives = []string{"Golden", "Little", "Green", "Royal", "Happy", "Blue", "Old", "Urban", "Spicy", "Sunny", "Red", "Lucky"}
	nouns      = []string{"Dragon", "Kitchen", "Garden", "Table", "Corner", "Spoon", "Fork", "Lantern", "House", "Oven", "Bowl", "Grill"}
	firstNames = []string{"Ana", "Ben", "Chen", "Dana", "Emre", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Mia", "Noah", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara"}
	lastNames  = []string{"Meyer", "Kaya", "Nowak", "Rossi", "Schmidt", "Okafor", "Berg", "Santos", "Wolf", "Lindqvist", "Haddad", "Novak", "Park", "Weber", "Costa"}
	vehicles   = []string{"bicycle", "bicycle", "e-bike", "scooter", "car"}
)

// dimensions builds restaurants and drivers from their own random stream, so
// they do not change when event settings change.
func dimensions(c Config) ([]Restaurant, []Driver) {
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 0xd1a5))
	rs := make([]Restaurant, c.Restaurants)
	for i := range rs {
		loc := c.City.point(rng.Float64(), rng.Float64())
		menu := make([]menuItem, 8+rng.IntN(8))
		for k := range menu {
			menu[k] = menuItem{
				id:    fmt.Sprintf("i-%05d-%02d", i+1, k+1),
				cents: int64(25+rng.IntN(226)) * 10, // 2.50 .. 25.00 in 10-cent steps
			}
		}
		rs[i] = Restaurant{
			ID:       fmt.Sprintf("r-%05d", i+1),
			Name:     adjectives[rng.IntN(len(adjectives))] + " " + nouns[rng.IntN(len(nouns))],
			Cuisine:  cuisines[rng.IntN(len(cuisines))],
			Zone:     geohash.EncodeWithPrecision(loc.Lat, loc.Lon, ZonePrecision),
			Location: loc,
			menu:     menu,
		}
	}
	ds := make([]Driver, c.Drivers)
	for i := range ds {
		home := c.City.point(rng.Float64(), rng.Float64())
		ds[i] = Driver{
			ID:       fmt.Sprintf("d-%05d", i+1),
			Name:     firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))],
			Vehicle:  vehicles[rng.IntN(len(vehicles))],
			HomeZone: geohash.EncodeWithPrecision(home.Lat, home.Lon, ZonePrecision),
			Home:     home,
		}
	}
	return rs, ds
}

const kmPerDegreeLat = 111.32

// point maps fractions u, v in [0, 1) to a location in the city square.
func (c City) point(u, v float64) event.Location {
	return c.clamp(c.offset(c.Center, (u-0.5)*c.SizeKm, (v-0.5)*c.SizeKm))
}

// offset moves p by north and east kilometres (equirectangular: fine at city scale).
func (c City) offset(p event.Location, northKm, eastKm float64) event.Location {
	return event.Location{
		Lat: p.Lat + northKm/kmPerDegreeLat,
		Lon: p.Lon + eastKm/(kmPerDegreeLat*math.Cos(c.Center.Lat*math.Pi/180)),
	}
}

// clamp keeps p inside the city square and rounds to 6 decimals (~10 cm), so
// the JSON form is short and stable.
func (c City) clamp(p event.Location) event.Location {
	half := c.SizeKm / 2
	dLat := half / kmPerDegreeLat
	dLon := half / (kmPerDegreeLat * math.Cos(c.Center.Lat*math.Pi/180))
	round := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	return event.Location{
		Lat: round(min(max(p.Lat, c.Center.Lat-dLat), c.Center.Lat+dLat)),
		Lon: round(min(max(p.Lon, c.Center.Lon-dLon), c.Center.Lon+dLon)),
	}
}

// Dimensions returns the simulated restaurants and drivers (the enrichment
// side input). Callers must not modify the returned slices.
func (s *Simulator) Dimensions() ([]Restaurant, []Driver) { return s.restaurants, s.drivers }

// WriteDimensionsCSV writes restaurants.csv (restaurant_id,name,cuisine,zone,lat,lon)
// and drivers.csv (driver_id,name,vehicle,home_zone) into dir, creating it.
func (s *Simulator) WriteDimensionsCSV(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create dimensions dir: %w", err)
	}
	coord := func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }
	rows := [][]string{{"restaurant_id", "name", "cuisine", "zone", "lat", "lon"}}
	for _, r := range s.restaurants {
		rows = append(rows, []string{r.ID, r.Name, r.Cuisine, r.Zone, coord(r.Location.Lat), coord(r.Location.Lon)})
	}
	if err := writeCSV(filepath.Join(dir, "restaurants.csv"), rows); err != nil {
		return err
	}
	rows = [][]string{{"driver_id", "name", "vehicle", "home_zone"}}
	for _, d := range s.drivers {
		rows = append(rows, []string{d.ID, d.Name, d.Vehicle, d.HomeZone})
	}
	return writeCSV(filepath.Join(dir, "drivers.csv"), rows)
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
