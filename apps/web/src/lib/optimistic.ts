// A toggle that shows its effect at once: the answers cached under some query keys are patched
// before the server answers, put back (with the server's reason kept to show) if it refuses, and
// refetched either way. Favorite and follow buttons are built on it.
import { type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { patchQueries, restore } from './cache';
import { errorInfo } from './errors';
import { useViewer } from './viewer';

type Snapshot = ReturnType<typeof patchQueries>;

/**
 * Mutation options that patch what is cached under `prefixes` with `patchFor(input)`, and the
 * message of the last refusal (null once a new attempt starts).
 */
export function useOptimisticPatch<Input>(
  prefixes: QueryKey[],
  patchFor: (input: Input) => (data: unknown) => unknown,
) {
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  const mutationOptions = {
    onMutate: async (input: Input) => {
      setFailure(null);
      await Promise.all(prefixes.map((queryKey) => queryClient.cancelQueries({ queryKey })));
      const patch = patchFor(input);
      return prefixes.flatMap((prefix) => patchQueries(queryClient, prefix, patch));
    },
    onError: (error: unknown, _input: unknown, snapshot: Snapshot | undefined) => {
      if (snapshot) restore(queryClient, snapshot);
      setFailure(errorInfo(error).message);
    },
    onSettled: () =>
      Promise.all(prefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  };
  return { mutationOptions, failure };
}

/** Runs `action` for a signed-in visitor; sends anyone else to sign in first. */
export function useSignedInAction() {
  const navigate = useNavigate();
  const { viewer } = useViewer();
  return (action: () => void) => {
    if (viewer) action();
    else void navigate('/login');
  };
}
