//! Where uploaded bytes live: a folder on local disk by default, S3-compatible object storage
//! in production (feature `s3`). Keys are media ids; the bytes never change once written.

use std::fmt::Debug;
use std::io;
use std::path::PathBuf;

/// A place to keep files by key.
#[async_trait::async_trait]
pub trait MediaStore: Send + Sync + Debug {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> io::Result<()>;
    /// `None` when nothing is stored under `key`.
    async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>>;
}

/// Files in a folder, spread over subfolders by the key's last characters so no folder grows
/// huge (ids are time-ordered: their start is shared by everything uploaded together).
#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore { root: root.into() }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        // Keys are ids; anything else must not walk the file system.
        if key.len() < 4 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad media key"));
        }
        let shard = &key[key.len() - 2..];
        Ok(self.root.join(shard).join(key))
    }
}

#[async_trait::async_trait]
impl MediaStore for LocalStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> io::Result<()> {
        let path = self.path(key)?;
        if let Some(folder) = path.parent() {
            tokio::fs::create_dir_all(folder).await?;
        }
        // Written aside and renamed, so a reader never sees half a file.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await
    }

    async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, …) through `object_store`.
#[cfg(feature = "s3")]
pub mod s3 {
    use std::io;

    use object_store::aws::{AmazonS3, AmazonS3Builder};
    use object_store::path::Path;
    use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

    use super::MediaStore;

    #[derive(Debug)]
    pub struct S3Store {
        bucket: AmazonS3,
    }

    impl S3Store {
        /// A bucket configured from the standard `AWS_*` environment variables
        /// (`AWS_ENDPOINT` for S3-compatible services).
        pub fn from_env(bucket: &str) -> io::Result<S3Store> {
            let bucket = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(io::Error::other)?;
            Ok(S3Store { bucket })
        }
    }

    #[async_trait::async_trait]
    impl MediaStore for S3Store {
        async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> io::Result<()> {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
            let options = PutOptions {
                attributes,
                ..PutOptions::default()
            };
            self.bucket
                .put_opts(&Path::from(key), PutPayload::from(bytes), options)
                .await
                .map(|_| ())
                .map_err(io::Error::other)
        }

        async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
            match self.bucket.get(&Path::from(key)).await {
                Ok(found) => Ok(Some(found.bytes().await.map_err(io::Error::other)?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(io::Error::other(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_files_round_trip_and_keys_cannot_escape() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = LocalStore::new(dir.path());
        let key = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(store.get(key).await.expect("read"), None);
        store
            .put(key, b"bytes".to_vec(), "image/png")
            .await
            .expect("write");
        assert_eq!(
            store.get(key).await.expect("read").as_deref(),
            Some(&b"bytes"[..])
        );
        assert!(store.get("../../etc/passwd").await.is_err());
    }
}
