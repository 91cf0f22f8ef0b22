// A user's picture, or their initial on a coloured disc when they have none or it fails to load
// (no request leaves the site for a default image).
import { useState } from 'react';

interface Props {
  username: string;
  image: string | null;
  size?: 'small' | 'medium' | 'large';
}

const HUES = ['green', 'blue', 'orange', 'purple', 'teal', 'red'] as const;

function hueOf(username: string) {
  let sum = 0;
  for (const char of username) sum = (sum * 31 + (char.codePointAt(0) ?? 0)) % 9973;
  return HUES[sum % HUES.length];
}

export function Avatar({ username, image, size = 'small' }: Props) {
  const [failed, setFailed] = useState<string | null>(null);
  if (image && failed !== image) {
    return (
      <img
        className={`avatar avatar-${size}`}
        src={image}
        alt=""
        referrerPolicy="no-referrer"
        loading="lazy"
        onError={() => setFailed(image)}
      />
    );
  }
  return (
    <span className={`avatar avatar-${size} avatar-initial avatar-${hueOf(username)}`} aria-hidden>
      {[...username][0]?.toUpperCase()}
    </span>
  );
}
