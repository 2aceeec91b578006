//! RS7 media at the service level: what an upload is comes from its bytes, with limits, and a
//! photo made from an upload carries its type, size and dimensions.

use commons_core::{Actor, CodedError, ErrorCode};
use commons_resources::kind::photo::PhotoInput;
use commons_resources::media::sniff::samples::PNG_3X2;
use commons_resources::{KindData, KindInput, Visibility};
use commons_testkit::{MAX_UPLOAD, World};

#[tokio::test]
async fn uploads_are_checked_by_their_bytes_and_become_photos() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let photographer = world.person("photographer").await;

    let upload = resources
        .upload_media(db, &photographer, Some("sunset.jpg"), PNG_3X2.to_vec())
        .await
        .expect("upload");
    // Named .jpg, but the bytes are a PNG: the bytes win.
    assert_eq!(upload.content_type, "image/png");
    assert_eq!((upload.width, upload.height), (Some(3), Some(2)));
    assert_eq!(upload.size_bytes, PNG_3X2.len() as i64);
    assert_eq!(upload.filename.as_deref(), Some("sunset.jpg"));
    let served = resources
        .media_file(db, upload.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(served.bytes, PNG_3X2);

    let svg = resources
        .upload_media(
            db,
            &photographer,
            Some("x.png"),
            b"<svg onload=alert(1)>".to_vec(),
        )
        .await
        .unwrap_err();
    assert_eq!(svg.code(), ErrorCode::BadUserInput);
    let mut huge = PNG_3X2.to_vec();
    huge.resize(MAX_UPLOAD + 1, 0);
    let too_big = resources
        .upload_media(db, &photographer, None, huge)
        .await
        .unwrap_err();
    assert_eq!(too_big.code(), ErrorCode::PayloadTooLarge);
    let anonymous = resources
        .upload_media(db, &Actor::ANONYMOUS, None, PNG_3X2.to_vec())
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), ErrorCode::Unauthenticated);

    let photo = world
        .post(&photographer, "Sunset")
        .visibility(Visibility::Public)
        .kind(KindInput::Photo(PhotoInput {
            url: None,
            media_id: Some(upload.id),
            caption: Some("Kok-Tobe".into()),
        }))
        .try_draft()
        .await
        .expect("photo");
    let Some(KindData::Photo(stored)) = photo.data else {
        panic!("a photo");
    };
    assert_eq!(stored.url, format!("/media/{}", upload.id));
    assert_eq!(stored.content_type.as_deref(), Some("image/png"));
    assert_eq!((stored.width, stored.height), (Some(3), Some(2)));

    // Knowing an upload's id is no permission to publish it: only its uploader may.
    let stranger = world.person("stranger").await;
    let taken = world
        .post(&stranger, "Not mine")
        .visibility(Visibility::Public)
        .kind(KindInput::Photo(PhotoInput {
            url: None,
            media_id: Some(upload.id),
            caption: None,
        }))
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(taken.code(), ErrorCode::BadUserInput);
    assert_eq!(taken.field(), Some("mediaId"));

    let neither = world
        .post(&photographer, "Nothing")
        .visibility(Visibility::Public)
        .kind(KindInput::Photo(PhotoInput::default()))
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(neither.code(), ErrorCode::BadUserInput);
}
