// The edge for other packages' tests (the browser suite): nginx running the shipped configuration
// with its TLS listener, and a self-signed certificate to give it.
export { hasOpenssl, selfSignedCertificate } from './h2';
export { nginxBinary, startNginx } from './nginx';
