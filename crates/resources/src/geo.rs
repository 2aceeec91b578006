//! Places and distances. Distance search stays portable SQL: a bounding box on the indexed
//! `latitude`/`longitude` narrows the rows, an equirectangular key orders them, and the exact
//! great-circle distance is measured here.

use crate::error::Error;

const EARTH_RADIUS_KM: f64 = 6371.0088;
pub(crate) const KM_PER_DEGREE: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// A point on the map, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

impl Location {
    /// A location whose coordinates are on the globe.
    pub fn new(latitude: f64, longitude: f64) -> Result<Location, Error> {
        if !(latitude.is_finite() && (-90.0..=90.0).contains(&latitude)) {
            return Err(Error::invalid("latitude", "latitude must be between -90 and 90"));
        }
        if !(longitude.is_finite() && (-180.0..=180.0).contains(&longitude)) {
            return Err(Error::invalid(
                "longitude",
                "longitude must be between -180 and 180",
            ));
        }
        Ok(Location { latitude, longitude })
    }

    /// A location from optional coordinates: both or neither.
    pub fn optional(latitude: Option<f64>, longitude: Option<f64>) -> Result<Option<Location>, Error> {
        match (latitude, longitude) {
            (Some(latitude), Some(longitude)) => Location::new(latitude, longitude).map(Some),
            (None, None) => Ok(None),
            _ => Err(Error::invalid(
                "latitude",
                "give both latitude and longitude, or neither",
            )),
        }
    }

    /// The great-circle (haversine) distance in kilometres.
    pub fn distance_km(&self, other: &Location) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

/// The rows to look at for "within `radius_km` of `center`": latitudes between `south` and
/// `north`, and longitudes in one or (across the antimeridian) two ranges.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundingBox {
    pub south: f64,
    pub north: f64,
    /// Empty when every longitude qualifies (near a pole).
    pub longitudes: Vec<(f64, f64)>,
}

impl BoundingBox {
    pub fn around(center: &Location, radius_km: f64) -> BoundingBox {
        let dlat = radius_km / KM_PER_DEGREE;
        let south = (center.latitude - dlat).max(-90.0);
        let north = (center.latitude + dlat).min(90.0);
        // The widest a circle gets is at its latitude farthest from the equator.
        let widest = south.abs().max(north.abs());
        if widest >= 89.999 {
            return BoundingBox {
                south,
                north,
                longitudes: vec![],
            };
        }
        let dlon = dlat / widest.to_radians().cos();
        if dlon >= 180.0 {
            return BoundingBox {
                south,
                north,
                longitudes: vec![],
            };
        }
        let (west, east) = (center.longitude - dlon, center.longitude + dlon);
        let longitudes = if west < -180.0 {
            vec![(west + 360.0, 180.0), (-180.0, east)]
        } else if east > 180.0 {
            vec![(west, 180.0), (-180.0, east - 360.0)]
        } else {
            vec![(west, east)]
        };
        BoundingBox {
            south,
            north,
            longitudes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_known_ones() {
        let almaty = Location::new(43.2383, 76.9454).unwrap();
        let astana = Location::new(51.1282, 71.4307).unwrap();
        let d = almaty.distance_km(&astana);
        assert!((d - 970.0).abs() < 10.0, "Almaty–Astana is about 970 km, got {d}");
        assert_eq!(almaty.distance_km(&almaty), 0.0);
    }

    #[test]
    fn boxes_hold_the_circle_and_wrap_the_antimeridian() {
        let center = Location::new(43.0, 77.0).unwrap();
        let b = BoundingBox::around(&center, 10.0);
        // The box holds the circle, and not much more.
        let east = Location::new(43.0, b.longitudes[0].1).unwrap();
        let reach = center.distance_km(&east);
        assert!((10.0..10.1).contains(&reach), "{reach}");
        let north = Location::new(b.north, 77.0).unwrap();
        assert!((center.distance_km(&north) - 10.0).abs() < 1e-6);
        assert!(b.south < 43.0 && b.north > 43.0);
        let fiji = BoundingBox::around(&Location::new(-17.0, 179.9).unwrap(), 50.0);
        assert_eq!(fiji.longitudes.len(), 2);
        let pole = BoundingBox::around(&Location::new(89.9, 0.0).unwrap(), 50.0);
        assert!(pole.longitudes.is_empty());
        assert!(Location::new(91.0, 0.0).is_err());
        assert!(Location::new(0.0, f64::NAN).is_err());
    }
}
